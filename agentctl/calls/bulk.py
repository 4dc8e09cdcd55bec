"""Set-based ingest of JSONL call records: DuckDB parses, checks, judges and merges a block of lines at once.

A block of lines (122,880 by default: a row group) is written as it is to a scratch file that DuckDB reads with
`read_csv` (one VARCHAR column, no quoting), numbering the lines in scan order and fingerprinting
each; stored events are counted and never parsed. One statement then reads each remaining line
with `json_transform` against the record's explicit structure (every value at its SQL type), takes the
JSON type of each known key from one `json_type` over their paths and the number of keys from
`json_keys` (see `Shape`), checks it with one SQL predicate that mirrors `record.normalize`, and keeps
the call's columns. If a line is not JSON the parse fails
and the block is read again with each line checked first (`json_valid`), so a bad line only costs
itself. Lines that pass go to the store in one upsert (`DuckDBCallStore.merge_staged`); the rest —
bad lines and the rare lines whose order matters (several events of one call in
the block, a business field whose type varies) — go through the per-record Python path, which
gives the exact reject reasons with their line numbers. So what lands in the store is what the
Python path would have stored. Vapi/Retell payloads and CSV rows reach this path too, mapped to record
lines first by `calls.ingest` (a payload the mapper refuses goes to the per-record path there).

Each tool call is read the same way (`TOOL`), checked, judged and shaped as a row of the store's
tool_calls in one statement. Tool calls are judged by their contracts in SQL (`judge_sql.compile_success`); the Python
judge writes the reasons of the failed ones and judges contracts whose criteria do not compile.
The response digest is `sha256:` + SHA-256 of the response as minified JSON, computed by the engine.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any

from agentctl.calls.judge_sql import compile_success
from agentctl.calls.record import (
    BUSINESS_NAME,
    MAX_INT,
    OUTCOMES,
    RESERVED_COLUMNS,
    UTC,
    IngestContext,
)
from agentctl.contracts.success import judge_response

BAD_BYTES = (b"\x00", b"\x01", b"\r")
BAD = re.compile(rb"[\x00\x01\r]")  # CR may end a line, the others are never in valid JSON; all would break rows
BODY_PATH = re.compile(r"json_extract\(body, ('(?:[^']|'')*')\)")  # a compiled criterion's lookup in the body
TS = (r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{3}|\.[0-9]{6})?"
      r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$")
NUMBER = r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?"
LATENCIES = rf"^\[({NUMBER}(,{NUMBER})*)?\]$"
SQL_KIND = {"VARCHAR": "VARCHAR", "BOOLEAN": "BOOLEAN", "UBIGINT": "DOUBLE", "BIGINT": "DOUBLE", "DOUBLE": "DOUBLE"}
TABLES = ("ing_l", "ing_seen", "ing_c", "ing_t", "ing_b", "ing_bad", "ing_verdicts")
VIEWS = ("batch_calls", "batch_tools")


@dataclass
class BlockResult:
    """What the engine did with one block; `suspects` are (line number, fingerprint, line) for the Python path."""

    read: int = 0  # lines not blank
    duplicates: int = 0  # events already stored (fingerprint), or merged without changing anything
    inserted: int = 0
    updated: int = 0
    suspects: list[tuple[int, int, str]] = field(default_factory=list)


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: Any) -> str:
    return "[" + ", ".join(_text(str(v)) for v in sorted(values)) + "]::VARCHAR[]"


def _optional(json_type: str, check: str) -> str:
    """SQL: the key is absent or null (by its JSON type: a value its SQL type cannot hold, 2**63 as a BIGINT, is NULL
    too, and must fail `check`), or `check` holds."""
    return f"({json_type} IS NULL OR {json_type} = 'NULL' OR coalesce({check}, FALSE))"


def _timestamp(text: str, is_text: str) -> str:
    """The UTC instant of an ISO 8601 text (NULL when it is not one the SQL path reads exactly); `is_text` says
    the JSON value was a string. The pattern has already fixed the layout, so the cast only reads it: a text
    without an offset is UTC, as in Python."""
    offset = f"(right({text}, 1) = 'Z' OR substr({text}, length({text}) - 5, 1) IN ('+', '-'))"
    return (f"(CASE WHEN {is_text} AND regexp_full_match({text}, {_text(TS)}) THEN "
            f"timezone('UTC', try_cast(CASE WHEN {offset} THEN {text} ELSE {text} || '+00:00' END AS TIMESTAMPTZ)) END)")


STRING: tuple[str, ...] = ("VARCHAR",)
INTEGER = ("UBIGINT", "BIGINT")
NUMERIC = (*INTEGER, "DOUBLE")
ANY = (None, "NULL", "VARCHAR", "BOOLEAN", "UBIGINT", "BIGINT", "DOUBLE", "ARRAY", "OBJECT")  # what json_type says
# what json_type may say of each key of a call record (None: the key is absent, 'NULL': it holds null), mirroring
# record.normalize; and the SQL type each is read as once its JSON type is known (VARCHAR unless named here)
RECORD_TYPES: dict[str, tuple[str | None, ...]] = {
    **{key: STRING for key in ("call_id", "agent", "environment", "outcome", "started_at", "ended_at")},
    "bundle_version": INTEGER, "escalated": (None, "BOOLEAN"), "turn_latencies_ms": (None, "NULL", "ARRAY"),
    "transcription_confidence": (None, "NULL", *NUMERIC), "cost_usd": (None, "NULL", *NUMERIC),
    **{key: (None, "NULL", "VARCHAR") for key in ("caller_key", "ended_reason", "transcript", "recording_url")},
    "platform_agent_version": (None, "NULL", "VARCHAR", *INTEGER), "business": (None, "NULL", "OBJECT"),
    "tool_calls": (None, "ARRAY"),
}
RECORD_READ = {"bundle_version": "BIGINT", "escalated": "BOOLEAN", "transcription_confidence": "DOUBLE",
               "cost_usd": "DOUBLE", "turn_latencies_ms": "JSON", "business": "JSON", "tool_calls": ["JSON"]}


class Shape:
    """An object read in three parses: `json_transform` gives each known key's value at its SQL type (no JSON
    text to parse again), `json_type` over the known keys' paths says what each one held (so a string "2" is
    never taken for the number 2), and the number of keys (`json_keys`) says whether it holds a key that is not
    known or one twice (DuckDB reads the first of two, Python the last). DuckDB has no one read that gives all
    three, and its wildcard paths cannot be given in a list."""

    def __init__(self, types: dict[str, tuple[str | None, ...]], read: dict[str, Any]) -> None:
        self.keys = sorted(types)
        self.types, self.read = types, read

    def structure(self) -> str:
        import json

        return json.dumps({key: self.read.get(key, "VARCHAR") for key in self.keys}, separators=(", ", ": "))

    def paths(self) -> str:
        return "[" + ", ".join(_text('$."' + key + '"') for key in self.keys) + "]"

    def type_of(self, types: str, key: str) -> str:
        return f"{types}[{self.keys.index(key) + 1}]"

    def well_typed(self, types: str, count: str) -> str:
        """SQL: every key holds a type it may hold, and no other key is there (`count` keys in all)."""
        checks = []
        for key in self.keys:
            allowed, of = [t for t in self.types[key] if t is not None], self.type_of(types, key)
            if set(self.types[key]) >= set(ANY):
                continue  # any value, or none
            listed = f"{of} IN ({', '.join(map(_text, allowed))})" if allowed else "FALSE"
            checks.append(f"({of} IS NULL OR {listed})" if None in self.types[key] else listed)
        present = " + ".join(f"({self.type_of(types, key)} IS NOT NULL)::INTEGER" for key in self.keys)
        return " AND ".join(checks) + f" AND {count} = {present}"


RECORD = Shape(RECORD_TYPES, RECORD_READ)
TOOL = Shape({"tool": STRING, "http_status": (None, "NULL", *INTEGER), "latency_ms": (None, "NULL", *NUMERIC),
              "response": ANY, "response_fields": (None, "NULL", "OBJECT"), "arguments": (None, "NULL", "OBJECT"),
              "contract_version": (None, "NULL", "VARCHAR"), "error": (None, "NULL", "VARCHAR"),
              "response_digest": (None,)},  # the engine never takes a recorded digest: it computes its own
             {"http_status": "BIGINT", "latency_ms": "DOUBLE", "response": "JSON", "response_fields": "JSON",
              "arguments": "JSON"})


class BulkIngest:
    """Runs blocks of JSONL lines through the engine for one DuckDB call store."""

    def __init__(self, store: Any, ctx: IngestContext, salt: str) -> None:
        self.store, self.con, self.ctx, self.salt = store, store.con, ctx, salt
        rules: dict[int, Any] = {}
        self.rule_rows: list[tuple[str, str, str, int]] = []
        for name, rule in ctx.contracts.items():
            index = next((i for i, known in rules.items() if known is rule), len(rules))
            rules[index] = rule
            self.rule_rows.append((name, rule.name, rule.version, index))
        self.rules = rules
        self.full = {i: compile_success(r.success, status="status", body="body") for i, r in rules.items()}
        self.status_free = {i: compile_success({k: v for k, v in r.success.items() if k != "status"}, status="200",
                                               body="body") for i, r in rules.items()}
        self.python_judged = sorted({rules[i].name for i in rules if self.full[i] is None or self.status_free[i] is None})
        tz = ctx.timezone
        self.tz = None if tz is UTC or getattr(tz, "key", None) in ("UTC", "Etc/UTC") else getattr(tz, "key", None)
        self.usable = tz is UTC or self.tz is not None
        self.line_limit = line_limit()
        # DuckDB 1.5 draws its own progress bar on stderr for every long statement, over the ingest's own
        self.con.execute("SET enable_progress_bar = false")

    # -- one block -------------------------------------------------------------------------------------------

    def block(self, first: int, lines: bytes | list[bytes], source: str, ingested_at: Any,
              count: int | None = None) -> BlockResult:
        """Store the good lines of `lines` (a block of `count` lines, or a list of them, each with its line break;
        numbered from `first`); raise duckdb.Error when the engine cannot read the block at all (the caller then
        takes the Python path for it)."""
        result = BlockResult()
        odd: list[tuple[int, bytes]] = []
        data = lines if isinstance(lines, bytes) else b"".join(lines)
        if not data.endswith(b"\n"):
            data += b"\n"
        written = count if count is not None and isinstance(lines, bytes) else data.count(b"\n")
        numbered = any(byte in data for byte in BAD_BYTES)  # memchr: far faster than a regex
        if numbered:  # lines holding CR, NUL or \x01 go to the Python path one by one
            keep = []
            for number, line in enumerate(data.split(b"\n")[:-1], first):
                text = line.rstrip(b"\r")
                if BAD.search(text) is not None:
                    odd.append((number, text))
                else:
                    keep.append(b"%d\x01%s\n" % (number, text))
            data = b"".join(keep)
            written = len(keep)
        handle, scratch = tempfile.mkstemp(suffix=".lines")
        try:
            _write_all(handle, data)
            del data
            self._drop()
            columns = "{'n': 'BIGINT', 'line': 'VARCHAR'}" if numbered else "{'line': 'VARCHAR'}"
            source_sql = (f"read_csv({_text(scratch)}, columns = {columns}, delim = '\x01', "
                          f"quote = '', escape = '', header = false, auto_detect = false, {self.line_limit})")
            # (trim() copies each line: a regex that fails at the first character is far cheaper)
            # row_number() over the scan keeps the file's order (a streaming window): line numbers without a pass
            self.con.execute(
                "CREATE TEMP TABLE ing_l AS SELECT n, line, regexp_full_match(coalesce(line, ''), '[ \\t\\x0b\\x0c]*') "
                f"AS blank, (hash({_text(self.salt)} || line) >> 1)::BIGINT AS fp FROM (SELECT "
                + ("n, line" if numbered else f"row_number() OVER () + {first - 1} AS n, line") + f" FROM {source_sql})")
        finally:
            os.unlink(scratch)
        import duckdb

        try:  # every line taken for JSON: one that is not makes the parse fail, and the block is read again
            suspects = self._check("ing_l", guarded=False)
        except duckdb.Error:  # with each line checked first (json_valid), so a bad one only costs itself
            self._drop(keep="ing_l")
            suspects = self._check("ing_l", guarded=True)
        got, blank, seen = self.con.execute(
            "SELECT count(*), count(*) FILTER (WHERE blank), "
            "count(*) FILTER (WHERE NOT blank AND fp IN (SELECT fp FROM ing_seen)) FROM ing_l").fetchall()[0]
        if got != written:
            raise _block_error(f"read {got} of {written} lines")
        result.read = int(got - blank) + sum(1 for _, line in odd if line.strip())
        result.duplicates = int(seen)
        lines_of = {}
        if suspects:
            lines_of = dict(self.con.execute("SELECT n, line FROM ing_l WHERE n IN "
                                             "(SELECT n FROM ing_c WHERE NOT good)").fetchall())
        if self.con.execute("SELECT count(*) FROM ing_c WHERE good").fetchall()[0][0]:
            self._judge()
            self._stage()
            merged = self.store.merge_staged(True, source, ingested_at)
            result.inserted, result.updated = merged.inserted, merged.updated
            result.duplicates += merged.duplicates
            self.con.execute("INSERT INTO ingested_events SELECT fp FROM ing_c WHERE good")
        result.suspects = sorted([(n, fp, str(lines_of[n])) for n, fp in suspects]
                                 + [(n, 0, line.decode("utf-8", "replace")) for n, line in odd if line.strip()])
        self._drop()
        return result

    def _drop(self, keep: str = "") -> None:
        for name in VIEWS:
            self.con.execute(f"DROP VIEW IF EXISTS {name}")
        for name in TABLES:
            if name != keep:
                self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def _check(self, source: str, *, guarded: bool) -> list[tuple[int, int]]:
        """Build ing_c (per line not stored yet: `good` and the call's columns), ing_t (tool calls) and ing_b
        (business fields) from the numbered lines in `source`; return the lines that are not good."""
        ctx = self.ctx

        def when_valid(sql: str) -> str:
            # unguarded, every line is taken for JSON (`valid` is TRUE), and a CASE would only copy what it
            # wraps: the parsed structure, its keys and the timestamps (measured: ≈ 0.5 s of CPU per 125,000 lines)
            return f"CASE WHEN valid THEN {sql} END" if guarded else sql

        day = "started::DATE" if self.tz is None else f"timezone({_text(self.tz)}, timezone('UTC', started))::DATE"
        ty = functools.partial(RECORD.type_of, "ty")
        checks = [
            "valid", "object", RECORD.well_typed("ty", "nk"),
            "r.call_id <> ''",
            f"list_contains({_list(ctx.agents)}, r.agent)",
            f"list_contains({_list(ctx.environments)}, r.environment)",
            f"r.bundle_version BETWEEN 1 AND {MAX_INT}",
            "started IS NOT NULL AND ended IS NOT NULL AND ended >= started",
            f"list_contains({_list(OUTCOMES)}, r.outcome)",
            _optional(ty('turn_latencies_ms'),
                      f"regexp_full_match(r.turn_latencies_ms::VARCHAR, {_text(LATENCIES)}) AND "
                      "coalesce(list_max(from_json(r.turn_latencies_ms, '[\"DOUBLE\"]')) < 1e308, TRUE)"),
            _optional(ty('transcription_confidence'), "r.transcription_confidence BETWEEN 0 AND 1"),
            _optional(ty('cost_usd'), "r.cost_usd >= 0 AND r.cost_usd < 1e308"),
            f"{ty('tool_calls')} IS NULL OR r.tool_calls IS NOT NULL",
        ]
        good = " AND ".join(f"coalesce({c}, FALSE)" for c in checks)
        # stored events are counted and never parsed (the block is the join's build side, so the store's
        # fingerprints are scanned, not hashed, once per block)
        self.con.execute("CREATE TEMP TABLE ing_seen AS SELECT DISTINCT fingerprint AS fp FROM ingested_events "
                         f"WHERE fingerprint IN (SELECT fp FROM {source})")
        staged = {  # the call's columns as the store takes them (read for good lines only)
            "agent": "r.agent", "environment": "r.environment", "bundle_version": "try_cast(r.bundle_version AS INTEGER)",
            "caller_key": "r.caller_key", "day": day, "handle_time_s": "date_diff('microsecond', started, ended) / 1e6",
            "outcome": "r.outcome", "ended_reason": "r.ended_reason", "is_error": "r.outcome = 'error'",
            "turn_latencies_ms": "from_json(r.turn_latencies_ms, '[\"DOUBLE\"]')",
            "transcription_confidence": "r.transcription_confidence", "cost_usd": "r.cost_usd",
            "tool_call_count": "coalesce(len(r.tool_calls), 0)::INTEGER", "transcript": "r.transcript",
            "recording_url": "r.recording_url", "platform_agent_version": "r.platform_agent_version",
            "tools": "r.tool_calls", "business": "r.business",
        }
        # one statement reads each line (its values, their JSON types, its number of keys: see Shape), checks it
        # and keeps the call's columns; no copy of the parsed line is kept (the tool calls and business fields, as
        # JSON, are read from it later)
        self.con.execute(
            "CREATE TEMP TABLE ing_c AS SELECT n, fp, call_id, started, ended, escalated, good, "
            + ", ".join(f"CASE WHEN good THEN {sql} END AS {name}" for name, sql in staged.items())
            + f" FROM (SELECT *, {good} AS good FROM (SELECT *, r.call_id AS call_id, "
            f"{when_valid(_timestamp('r.started_at', ty('started_at') + ' = ' + _text('VARCHAR')))} AS started, "
            f"{when_valid(_timestamp('r.ended_at', ty('ended_at') + ' = ' + _text('VARCHAR')))} AS ended, "
            "coalesce(r.escalated, r.outcome = 'escalated') AS escalated FROM ("
            f"SELECT n, fp, valid, regexp_matches(line, '^[ \\t]*[{{]') AS object, "
            f"{when_valid(f'json_transform(line, {_text(RECORD.structure())})')} AS r, "
            f"{when_valid(f'json_type(line, {RECORD.paths()})')} AS ty, "
            f"{when_valid('len(json_keys(line))')} AS nk "
            f"FROM (SELECT n, line, fp, {'json_valid(line)' if guarded else 'TRUE'} AS valid FROM {source} "
            "WHERE NOT blank AND fp NOT IN (SELECT fp FROM ing_seen)))))")
        self._tools()
        self._business()
        # several events of one call in a block merge in line order: the Python path keeps that order
        self.con.execute(
            "CREATE TEMP TABLE ing_bad AS SELECT n FROM ing_t WHERE NOT good "
            "UNION SELECT n FROM ing_b WHERE NOT good "
            "UNION SELECT n FROM ing_c WHERE call_id IN "
            "(SELECT call_id FROM ing_c WHERE call_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1)")
        self.con.execute("UPDATE ing_c SET good = FALSE WHERE good AND n IN (SELECT n FROM ing_bad)")
        rows = self.con.execute("SELECT n, fp FROM ing_c WHERE NOT good").fetchall()
        return [(int(n), int(fp)) for n, fp in rows]

    def _tools(self) -> None:
        """ing_t: every tool call of the good lines, checked, judged by its contract's compiled criteria and shaped
        as the store's tool_calls rows (with the call's columns), in one statement; `body` is kept only for the
        calls the Python judge must see (_judge)."""
        ty = functools.partial(TOOL.type_of, "ty")
        checks = [
            TOOL.well_typed("ty", "nk"),
            "tc.tool <> ''",
            _optional(ty('http_status'), "tc.http_status BETWEEN 100 AND 599"),
            _optional(ty('latency_ms'), "tc.latency_ms >= 0 AND tc.latency_ms < 1e308"),
            _optional(ty('arguments'), "regexp_full_match(tc.arguments::VARCHAR, '[\\x00-\\x7F]*')"),
        ]
        good = " AND ".join(f"coalesce({c}, FALSE)" for c in checks)
        rules = ("(SELECT * FROM (VALUES " + ", ".join(
            f"({_text(n)}, {_text(c)}, {_text(v)}, {i})" for n, c, v, i in self.rule_rows)
            + ") AS v(name, contract, version, rule))" if self.rule_rows else
            "(SELECT NULL::VARCHAR AS name, NULL::VARCHAR AS contract, NULL::VARCHAR AS version, NULL::INTEGER AS rule "
            "WHERE FALSE)")
        # every path the criteria read from the body, extracted in one parse of it (`pv`), not one parse each
        paths: list[str] = []

        def shared(match: re.Match[str]) -> str:
            if match.group(1) not in paths:
                paths.append(match.group(1))
            return f"pv[{paths.index(match.group(1)) + 1}]"

        def by_rule(compiled: dict[int, str | None]) -> str:
            cases = " ".join(f"WHEN {i} THEN {BODY_PATH.sub(shared, sql)}" for i, sql in compiled.items()
                             if sql is not None)
            return f"CASE rule {cases} END" if cases else "NULL::BOOLEAN"

        mode = ("CASE WHEN rule IS NULL THEN 'none' "
                "WHEN NOT (has_response OR has_fields) AND status BETWEEN 200 AND 299 THEN 'unjudged' "
                "WHEN status IS NULL AND coalesce(tc.error, '') <> '' THEN 'error' "
                "WHEN without_status THEN 'status_free' ELSE 'full' END")
        # contract_ok by the compiled criteria; _judge adds the reasons of failures (and the uncompiled contracts)
        judged = {"full": by_rule(self.full), "status_free": by_rule(self.status_free)}
        pv = f", json_extract(body, [{', '.join(paths)}]) AS pv" if paths else ""
        # each tool call is parsed once more on its own (a small part of the line): its values and their JSON types
        self.con.execute(
            "CREATE TEMP TABLE ing_t AS SELECT n, seq, good, call_id, agent, environment, bundle_version, day, "
            "coalesce(contract, name) AS tool, tc.contract_version AS contract_version, version AS judged_by, "
            "status AS http_status, coalesce(status BETWEEN 200 AND 299, FALSE) OR without_status AS http_ok, "
            "contract_ok, tc.latency_ms AS latency_ms, reasons, "
            f"CASE WHEN {ty('arguments')} = 'OBJECT' THEN tc.arguments::VARCHAR END AS arguments, "
            "CASE WHEN has_response THEN 'sha256:' || sha256(coalesce(tc.response::VARCHAR, 'null')) END AS response_digest, "
            "tc.error AS error, mode, rule, "
            "CASE WHEN mode IN ('full', 'status_free') AND NOT coalesce(contract_ok, FALSE) THEN body END AS body "
            "FROM (SELECT *, CASE mode WHEN 'error' THEN FALSE "
            f"WHEN 'status_free' THEN {judged['status_free']} WHEN 'full' THEN {judged['full']} END AS contract_ok, "
            "CASE mode WHEN 'none' THEN 'no contract' WHEN 'unjudged' THEN 'not judged: no response body recorded' "
            f"WHEN 'error' THEN tc.error END AS reasons FROM (SELECT *, {mode} AS mode{pv} FROM ("
            "SELECT t.*, rules.contract, rules.version, rules.rule, "
            "CASE WHEN has_response THEN tc.response ELSE tc.response_fields END AS body, "
            "status IS NULL AND (has_response OR has_fields) AND coalesce(tc.error, '') = '' AS without_status "
            f"FROM (SELECT *, {good} AS good, try_cast(tc.http_status AS INTEGER) AS status, {ty('response')} IS NOT NULL AS has_response, "
            f"coalesce({ty('response_fields')} = 'OBJECT', FALSE) AS has_fields, tc.tool AS name FROM ("
            f"SELECT n, seq, call_id, agent, environment, bundle_version, day, json_transform(e, {_text(TOOL.structure())}) AS tc, "
            f"json_type(e, {TOOL.paths()}) AS ty, len(json_keys(e)) AS nk "
            "FROM (SELECT n, call_id, agent, environment, bundle_version, day, unnest(tools) AS e, "
            "generate_subscripts(tools, 1) - 1 AS seq FROM ing_c WHERE good AND len(tools) > 0))) t "
            f"LEFT JOIN {rules} rules ON rules.name = t.name)))")

    def _business(self) -> None:
        self.con.execute(
            "CREATE TEMP TABLE ing_b AS SELECT n, key, kind, "
            f"regexp_full_match(key, {_text(BUSINESS_NAME.pattern)}) AND NOT list_contains({_list(RESERVED_COLUMNS)}, key) "
            "AND kind IN ('NULL', 'VARCHAR', 'BOOLEAN', 'UBIGINT', 'BIGINT', 'DOUBLE') "
            "AND (kind <> 'DOUBLE' OR abs(try_cast(value AS DOUBLE)) < 1e308) AND repeats = 1 AS good "
            "FROM (SELECT *, json_type(value) AS kind, count(*) OVER (PARTITION BY n, key) AS repeats FROM ("
            "SELECT n, key, CASE WHEN regexp_full_match(key, '[a-z0-9_]+') THEN json_extract(b, '$.' || key) END AS value "
            "FROM (SELECT n, business AS b, unnest(json_keys(business)) AS key FROM ing_c "
            "WHERE good AND json_type(business) = 'OBJECT')))")
        known = self.store.business_columns()
        kinds: dict[str, set[str]] = {}
        for key, kind in self.con.execute(f"SELECT DISTINCT key, kind FROM ing_b WHERE list_contains({_list(SQL_KIND)}, kind)").fetchall():
            kinds.setdefault(key, set()).add(SQL_KIND[kind])
        # a business field whose type varies in the block, or differs from the stored column: the Python path
        # decides in line order which value comes first and which is rejected
        mixed = [key for key, found in kinds.items() if len(found) > 1 or (key in known and {known[key]} != found)]
        if mixed:
            self.con.execute(f"UPDATE ing_b SET good = FALSE WHERE list_contains({_list(mixed)}, key)")
        self.kinds = {key: next(iter(found)) for key, found in kinds.items() if key not in mixed}

    def _judge(self) -> None:
        """contract_ok and reasons of every tool call: SQL for compiled criteria; Python for reasons of failures
        and for contracts whose criteria do not compile."""
        pending = self.con.execute(
            "SELECT n, seq, mode, rule, http_status, body FROM ing_t WHERE mode IN ('full', 'status_free') "
            "AND coalesce(contract_ok, FALSE) = FALSE AND n IN (SELECT n FROM ing_c WHERE good)").fetchall()
        if not pending:
            return
        import json

        ns, seqs, oks, reasons = [], [], [], []
        for n, seq, how, rule, status, body in pending:
            success = self.rules[rule].success
            if how == "status_free":
                success, status = {k: v for k, v in success.items() if k != "status"}, 200
            verdict = judge_response(success, status, None if body is None else json.loads(body))
            ns.append(n)
            seqs.append(seq)
            oks.append(verdict.ok)
            reasons.append("; ".join(verdict.reasons) or None)
        self.con.execute("CREATE TEMP TABLE ing_verdicts AS SELECT unnest(?::BIGINT[]) AS n, unnest(?::BIGINT[]) AS seq, "
                         "unnest(?::BOOLEAN[]) AS ok, unnest(?::VARCHAR[]) AS reasons", [ns, seqs, oks, reasons])
        self.con.execute("UPDATE ing_t SET contract_ok = v.ok, reasons = v.reasons FROM ing_verdicts v "
                         "WHERE ing_t.n = v.n AND ing_t.seq = v.seq")
        self.con.execute("DROP TABLE ing_verdicts")

    def _stage(self) -> None:
        """batch_calls and batch_tools, shaped like DuckDBCallStore's staged rows, from the good lines."""
        present = {key for (key,) in self.con.execute(
            "SELECT DISTINCT key FROM ing_b WHERE kind <> 'NULL' AND n IN (SELECT n FROM ing_c WHERE good)").fetchall()}
        known = self.store.business_columns()
        for name in sorted(present):
            if name not in known:
                self.store.add_business_column(name, self.kinds[name])
        business = []
        for name, kind in self.store.business_columns().items():
            if name not in present:
                business.append(f'NULL::{kind} AS "{name}"')
                continue
            value = (f"json_extract_string(business, '$.{name}')" if kind == "VARCHAR"
                     else f"try_cast(json_extract(business, '$.{name}') AS {kind})")
            business.append(f"CASE WHEN json_type(business) = 'OBJECT' THEN {value} END AS \"{name}\"")
        self.con.execute(
            "CREATE TEMP VIEW batch_calls AS SELECT call_id, agent, bundle_version, environment, caller_key, "
            "started AS started_at, ended AS ended_at, day, handle_time_s, outcome, ended_reason, escalated, is_error, "
            "turn_latencies_ms, transcription_confidence, cost_usd, tool_call_count, transcript, recording_url, "
            f"platform_agent_version{''.join(', ' + b for b in business)} FROM ing_c WHERE good")
        self.con.execute(
            "CREATE TEMP VIEW batch_tools AS SELECT call_id, seq::INTEGER AS seq, agent, environment, bundle_version, "
            "day, tool, contract_version, judged_by, http_status, http_ok, contract_ok, latency_ms, reasons, arguments, "
            "response_digest, error FROM ing_t WHERE n IN (SELECT n FROM ing_c WHERE good)")


def line_limit() -> str:
    """read_csv's options for the longest line a block may hold, for the DuckDB installed."""
    import duckdb

    # DuckDB 1.2-1.5 give read_csv a buffer of 16 x max_line_size: 1 GiB for 64 MiB lines, more than the
    # default --memory-limit, so every block failed there and went to Python. There, 16 MiB lines in
    # 32 MiB buffers (DuckDB's own default buffer); a block with a longer line takes the Python path.
    # (DuckDB 2 reads 64 MiB lines without it, and is slower with an explicit buffer size.)
    if int(duckdb.__version__.split(".")[0]) >= 2:
        return "max_line_size = 67108864"
    return "max_line_size = 16777216, buffer_size = 33554432"


def _write_all(handle: int, data: bytes) -> None:
    """Write `data` to the open file `handle` and close it."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view):]
    finally:
        os.close(handle)


def _block_error(reason: str) -> Exception:
    import duckdb

    return duckdb.Error(f"the engine could not read this block ({reason})")

