"""Is this SQL Redshift's? sqlglot's Redshift dialect parses it, and what it parsed uses
only functions, types and clauses Redshift has.

Parsing alone is lenient: sqlglot reads a superset of the dialects, so DuckDB's
``count(*) filter (where …)``, ``[1, 2]`` lists, ``* exclude (…)``, ``try_cast`` or
``isodow(…)`` all parse "as Redshift". The tree is therefore also checked against what
Redshift documents (SQL reference, "SQL functions reference" and "Data types"): every
function by the name Redshift's SQL spells it, every type, and the constructs Redshift lacks.
The lists hold what this project's SQL and dbt-redshift's materializations use, plus the
common Redshift functions; a function missing from them fails here until it is checked
against the Redshift docs and added.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel
from sqlglot.tokens import Tokenizer, TokenType

# Redshift's functions (lower case), as its SQL names them.
REDSHIFT_FUNCTIONS = frozenset(
    """
    abs acos asin atan atan2 avg bit_and bit_or bool_and bool_or cbrt ceil ceiling coalesce
    concat convert_timezone cos cot count cume_dist current_database current_date
    current_schema current_setting current_user date_part date_trunc dateadd datediff decode
    degrees dense_rank dexp dlog1 dlog10 exp first_value floor getdate greatest
    has_schema_privilege has_table_privilege initcap isnull json_extract_path_text lag
    last_day last_value lead least left len length listagg ln log lower lpad ltrim max md5
    median min mod months_between nth_value ntile nullif nvl nvl2 percent_rank
    percentile_cont percentile_disc pg_backend_pid pg_get_late_binding_view_cols
    pg_get_viewdef pg_terminate_backend position power quote_ident quote_literal radians
    random rank ratio_to_report regexp_count regexp_instr regexp_replace regexp_substr
    repeat replace reverse right round row_number rpad rtrim sha2 sign sin split_part sqrt
    stddev stddev_pop stddev_samp strpos substring sum sysdate tan timeofday to_char to_date
    to_number to_timestamp translate trim trunc upper var_pop var_samp variance version cast
    extract exists
    """.split()  # noqa: SIM905
) | {"distkey", "sortkey"}  # CREATE TABLE's distkey(col) and sortkey(col, …) attributes

# Date parts of EXTRACT, DATE_PART, DATE_TRUNC, DATEADD, DATEDIFF on Redshift ("Date parts
# for date or timestamp functions"): no isodow, isoyear (TO_CHAR has them: ID, IYYY).
REDSHIFT_DATEPARTS = frozenset(
    """
    millennium millennia mil mils century centuries c cent cents decade decades dec decs
    epoch year years y yr yrs quarter quarters qtr qtrs month months mon mons week weeks w
    dayofweek dow dw weekday dayofyear doy dy yearday day days d hour hours h hr hrs minute
    minutes m min mins second seconds s sec secs millisecond milliseconds ms msec msecs
    msecond mseconds millisec millisecs millisecon microsecond microseconds microsec
    microsecs usecond useconds us usec usecs timezone timezone_hour timezone_minute
    """.split()  # noqa: SIM905
)

# Types Redshift has (sqlglot's names for them).
REDSHIFT_TYPES = frozenset(
    {
        exp.DataType.Type.SMALLINT,
        exp.DataType.Type.INT,
        exp.DataType.Type.BIGINT,
        exp.DataType.Type.DECIMAL,
        exp.DataType.Type.FLOAT,
        exp.DataType.Type.DOUBLE,
        exp.DataType.Type.BOOLEAN,
        exp.DataType.Type.CHAR,
        exp.DataType.Type.NCHAR,
        exp.DataType.Type.VARCHAR,
        exp.DataType.Type.NVARCHAR,
        exp.DataType.Type.TEXT,
        exp.DataType.Type.DATE,
        exp.DataType.Type.TIME,
        exp.DataType.Type.TIMETZ,
        exp.DataType.Type.TIMESTAMP,
        exp.DataType.Type.TIMESTAMPTZ,
        exp.DataType.Type.SUPER,
        exp.DataType.Type.VARBINARY,
        exp.DataType.Type.GEOMETRY,
        exp.DataType.Type.GEOGRAPHY,
    }
)

# Redshift's reserved words ("Reserved words"): usable as names only in double quotes. sqlglot
# reads e.g. an unquoted column `raw` as a name, where Redshift fails on it.
REDSHIFT_RESERVED = frozenset(
    """
    aes128 aes256 all allowoverwrite analyse analyze and any array as asc authorization az64
    backup between binary blanksasnull both bytedict bzip2 case cast check collate column
    constraint create credentials cross current_date current_time current_timestamp
    current_user current_user_id default deferrable deflate defrag delta delta32k desc
    disable distinct do else emptyasnull enable encode encrypt encryption end except
    explicit false for foreign freeze from full globaldict256 globaldict64k grant group
    gzip having identity ignore ilike in initially inner intersect interval into is isnull
    join leading left like limit localtime localtimestamp lun luns lzo lzop minus mostly16
    mostly32 mostly8 natural new not notnull null nulls off offline offset oid old on only
    open or order outer overlaps parallel partition percent permissions pivot placing
    primary raw readratio recover references rejectlog resort respect restore right select
    session_user similar snapshot some sysdate system table tag tdes text255 text32k then
    timestamp to top trailing true truncatecolumns union unique unnest unpivot user using
    verbose wallet when where with without
    """.split()  # noqa: SIM905
)

# Constructs sqlglot parses that Redshift does not run.
NOT_REDSHIFT: dict[type[exp.Expr], str] = {
    exp.Filter: "aggregate FILTER (WHERE …) clause",
    exp.Array: "array/list literal",
    exp.Struct: "struct literal",
    exp.TryCast: "try_cast",
    exp.PropertyEQ: "named argument (:=)",
    exp.Lambda: "lambda",
    exp.TableSample: "table sample",
    exp.Unnest: "unnest",
}

# Tokens after which a name followed by "(" is a table or column list, not a call.
_NOT_A_CALL_AFTER = {TokenType.TABLE, TokenType.INTO, TokenType.DOT, TokenType.VIEW}


def called_functions(sql: str) -> list[str]:
    """The functions ``sql`` calls, by the names it spells them with (lower case): a name
    followed by "(" — not sqlglot's reading of it, which translates between dialects
    (DuckDB's regexp_extract reads as the regexp_substr Redshift has)."""
    tokens = Tokenizer(dialect="redshift").tokenize(sql)
    names = []
    for index, token in enumerate(tokens[:-1]):
        if token.token_type != TokenType.VAR or tokens[index + 1].token_type != TokenType.L_PAREN:
            continue
        if index > 0 and tokens[index - 1].token_type in _NOT_A_CALL_AFTER:
            continue
        names.append(token.text.lower())
    return names


def problems(sql: str) -> list[str]:
    """Why ``sql`` is not Redshift SQL (empty: it parses and uses what Redshift has)."""
    try:
        trees = sqlglot.parse(sql, read="redshift", error_level=ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as exc:
        return [f"does not parse as Redshift SQL: {str(exc).splitlines()[0]}"]
    found = [
        f"function {name}() is not a Redshift function"
        for name in called_functions(sql)
        if name not in REDSHIFT_FUNCTIONS
    ]
    for tree in trees:
        if tree is not None:
            for node in tree.walk():
                found.extend(_node_problems(node))
    return sorted(set(found))


def _qualified(identifier: exp.Identifier) -> bool:
    """A column name after a table's (``ns.oid``): Redshift, like PostgreSQL, accepts any
    word there."""
    column = identifier.parent
    return (
        isinstance(column, exp.Column)
        and column.args.get("this") is identifier
        and column.args.get("table") is not None
    )


def _node_problems(node: exp.Expr) -> list[str]:
    for kind, what in NOT_REDSHIFT.items():
        if isinstance(node, kind):
            return [f"{what}: {node.sql(dialect='redshift')[:80]}"]
    if isinstance(node, exp.Star) and (node.args.get("except") or node.args.get("replace")):
        return [f"select * with exclude/replace: {node.sql()[:80]}"]
    if (
        isinstance(node, exp.Identifier)
        and not node.quoted
        and node.name.lower() in REDSHIFT_RESERVED
        and not _qualified(node)
    ):
        return [f"{node.name} is a Redshift reserved word: quote it as a name"]
    if isinstance(node, exp.Extract):
        part = node.this.name.lower() if isinstance(node.this, exp.Var | exp.Column) else None
        if part is not None and part not in REDSHIFT_DATEPARTS:
            return [f"extract({part} from …): {part} is not a Redshift date part"]
    if (
        isinstance(node, exp.DataType)
        and node.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT)
        and not node.expressions
    ):
        # Valid, but a trap: Redshift's unsized varchar (and text) holds 256 bytes only.
        return [f"{node.sql()} without a length: 256 bytes on Redshift"]
    if isinstance(node, exp.DataType) and node.this not in REDSHIFT_TYPES:
        return [f"type {node.sql(dialect='redshift')} is not a Redshift type"]
    if isinstance(node, exp.From | exp.Join):
        table = node.this
        if isinstance(table, exp.Table) and isinstance(table.this, exp.Func):
            return [f"table function in FROM: {table.sql(dialect='redshift')[:80]}"]
    return []
