{% macro exact_sum(expression, scale=15) -%}
  {#- A sum that does not depend on the order rows are added in. Parallel engines add doubles
      in whatever order their threads finish, and float addition is not associative, so a
      rerun of the same data could differ in the last bit. Each term is cast to a decimal
      with `scale` places (deterministic per row) and summed exactly. -#}
  cast({{ exact_decimal_sum(expression, scale) }} as {{ type_double() }})
{%- endmacro %}


{% macro exact_decimal_sum(expression, scale=15) -%}
  {#- exact_sum kept as a decimal, for sums that are summed again later (partial sums of
      an incremental aggregate add up to exactly the sum a full build computes). -#}
  {{ return(adapter.dispatch('exact_decimal_sum', 'cryptopulse')(expression, scale)) }}
{%- endmacro %}


{% macro default__exact_decimal_sum(expression, scale=15) -%}
  sum(cast({{ expression }} as decimal(38, {{ scale }})))
{%- endmacro %}


{% macro duckdb__exact_decimal_sum(expression, scale=15) -%}
  {#- The same decimal, about twice as fast: DuckDB casts a double to a decimal as
      round(x * 10^scale) (half away from zero) kept as that integer, and adding 128-bit
      decimals costs more than adding 64-bit integers. So a term small enough for a bigint
      (|x| < 9 * 10^(18 - scale)) is summed as round(x * 10^scale), the rare larger one as
      the decimal; the integer total at the decimal's scale plus the larger terms is the
      default's sum to the last digit, and null when no term is (as sum() is). -#}
  {%- if scale < 1 or scale > 17 -%}
    {{ return(default__exact_decimal_sum(expression, scale)) }}
  {%- endif -%}
  {%- set bound = '9e' ~ (18 - scale) -%}
  {%- set unit = '0.' ~ ('0' * (scale - 1)) ~ '1' -%}
  case when count({{ expression }}) > 0 then
      cast(coalesce(sum(
          case when abs({{ expression }}) < {{ bound }}
              then cast(round(({{ expression }}) * 1e{{ scale }}) as bigint) end
      ), 0) as decimal(38, 0)) * {{ unit }}
      + coalesce(sum(
          case when not abs({{ expression }}) < {{ bound }}
              then cast({{ expression }} as decimal(38, {{ scale }})) end
      ), 0)
  end
{%- endmacro %}
