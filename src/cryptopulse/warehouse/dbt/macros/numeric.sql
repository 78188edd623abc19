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
  sum(cast({{ expression }} as decimal(38, {{ scale }})))
{%- endmacro %}
