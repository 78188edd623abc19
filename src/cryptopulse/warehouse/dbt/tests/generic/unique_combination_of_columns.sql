{#
  The columns together identify a row (the model's grain). Failing rows: each combination
  that occurs more than once, with how many times.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {% for column in combination_of_columns -%}
    {{ column }},
    {% endfor -%}
    count(*) as occurrences
from {{ model }}
group by
    {% for column in combination_of_columns -%}
    {{ column }}{{ "," if not loop.last }}
    {% endfor -%}
having count(*) > 1

{% endtest %}
