"""The case ledger: what Qingfeng remembers about each case across runs.

Tables in the warehouse (created if missing, never replaced, so they outlive every run):

- `ledger_runs`    one row per run that updated the ledger (a sequence number, run id, as-of date, rules).
- `case_ledger`    one row per case ever seen: first and last appearance, its status as of the latest run
                   that ran its rule, the current open episode, what changed, and its facts as last seen.
- `case_facts`     each distinct version of a case's material facts (period_to, amount_yuan and the rule's
                   `material` columns), stamped with the run that first showed it. A decision is compared
                   with the version the investigators saw in the workbook they filled in.
- `case_feedback`  every imported decision (cases/feedback.py), append-only: who decided, when, from which
                   file, sheet and row, and the version of the facts it was made on.
- `case_status`    this run's view (replaced every run): each case of the run's rules with its status, days
                   open, what changed, whether the workbook lists it, and the open decision to prefill.
- `ledger_secret`  a random key made once per warehouse: masked workbooks show 线索编号 as a keyed alias
                   (R01-M + 9 hex digits), because the plain case id hashes the ID number with nothing secret
                   and the birth date hidden by masking can be found again from it in a fraction of a second.

Statuses (Chinese, shown to investigators):
    新增      first seen in this run;
    未结      open and listed before (days open = as-of date − start of the open episode);
    重新出现  listed again: a closing decision's facts changed materially (a later period_to, a larger
              amount_yuan, a changed `material` column), or a case marked 已消失 came back, or a closing
              decision was replaced by one that does not close; the next run lists it as 未结;
    已结      closed by feedback (see `closes`); not listed while its facts stay as they were decided;
    已消失    open but no longer produced by its rule; listed once (the run it disappears), kept forever.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

from sources.warehouse import transaction

from .labels import label

NEW, OPEN, RERAISED, CLOSED, GONE = "新增", "未结", "重新出现", "已结", "已消失"
STATUSES = (RERAISED, NEW, OPEN, GONE, CLOSED)       # the workbook's order
OPEN_STATUSES = (NEW, OPEN, RERAISED)

FACT_COLUMNS = {"period_to": "涉及期间止", "amount_yuan": "涉及金额"}

SCHEMA = """
create table if not exists ledger_runs (
    run_seq integer, run_id varchar, as_of date, recorded_at timestamp, rules varchar[]);
create table if not exists case_ledger (
    case_id varchar, rule_id varchar, subject_id_number varchar, subject_name varchar,
    county varchar, township varchar, village varchar, programme varchar, severity varchar,
    period_to date, amount_yuan decimal(14, 2), details json,
    first_seen_on date, last_seen_on date, last_seen_seq integer,
    status varchar, status_seq integer, open_since date, changes varchar, reraised_for bigint);
create table if not exists case_facts (
    case_id varchar, run_seq integer, period_to date, amount_yuan decimal(14, 2), material json);
create table if not exists ledger_secret (secret varchar);
create table if not exists case_feedback (
    feedback_id bigint, case_id varchar, conclusion varchar, false_reason varchar, nature varchar,
    measures varchar, to_recover_yuan decimal(14, 2), recovered_yuan decimal(14, 2), verifier varchar,
    verified_on date, note varchar, closes boolean, run_id varchar, facts_seq integer,
    source_file varchar, sheet varchar, row_no integer, imported_at timestamp, unrecovered_reason varchar);
-- a warehouse from before 未追回原因 (cases/outcomes.py)
alter table case_feedback add column if not exists unrecovered_reason varchar;
"""

FEEDBACK_VALUE_COLUMNS = ("conclusion", "false_reason", "nature", "measures", "to_recover_yuan", "recovered_yuan",
                          "unrecovered_reason", "verifier", "verified_on", "note")

# The decision in force for each case: the latest 核查日期; on the same date, the latest import.
DECISIONS_SQL = """
select * from case_feedback
qualify row_number() over (partition by case_id order by verified_on desc, feedback_id desc) = 1
"""


class LedgerError(Exception):
    pass


@dataclass(frozen=True)
class RunStamp:
    seq: int
    run_id: str
    as_of: dt.date


def ensure_schema(con) -> None:
    con.execute(SCHEMA)
    if not con.execute("select count(*) from ledger_secret").fetchall()[0][0]:
        con.execute("insert into ledger_secret values (?)", [secrets.token_hex(16)])


def alias_sql(case_id: str = "case_id") -> str:
    """The masked workbooks' 线索编号 for a case id expression: the rule id, 'M', and 9 hex digits of an MD5
    keyed with this warehouse's secret (so it cannot be traced back to the ID number)."""
    return (f"split_part({case_id}, '-', 1) || '-M' || "
            f"substr(md5((select min(secret) from ledger_secret) || {case_id}), 1, 9)")


def resolve_aliases(con, aliases: list[str]) -> dict[str, str]:
    """{alias: case id} for the masked 线索编号 given."""
    if not aliases:
        return {}
    rows = con.execute(f"select alias, case_id from (select case_id, {alias_sql()} as alias from case_ledger "
                       f"where split_part(case_id, '-', 1) in (select distinct split_part(unnest($a), '-', 1))) "
                       f"where list_contains($a, alias)", {"a": sorted(set(aliases))}).fetchall()
    return dict(rows)


# Where a fact was read is not a fact: "（公安_户籍注销人员_2020.xlsx 注销 第5行）" inside a material value is
# dropped before comparing, so a file delivered again under a new name or with its rows reordered reopens nothing.
PROVENANCE_RE = r'（[^（）"]*\.(xlsx|xls|csv)[^（）"]*）'


def material_sql(rule) -> str:
    """The case's material facts besides period_to and amount_yuan, as a JSON object (the rule header's
    `material` columns; R01/R02 list death_sources), without file-and-row provenance."""
    cols = list(rule.header.get("material") or [])
    if not cols:
        return "'{}'::json"
    obj = "json_object(" + ", ".join(f"'{c}', {c}" for c in cols) + ")"
    return f"regexp_replace({obj}::varchar, '{PROVENANCE_RE}', '', 'g')::json"


def update(con, run_id: str, as_of: dt.date, rules, scope=None, own_transaction: bool = True) -> dict[str, dict[str, int]]:
    """Record this run's cases in the ledger and compute every case's status; returns, per rule, the
    number of cases in each status. Also adds `status` to this run's `cases` table. A scoped run (some
    counties, townships or months: rules.catalog.Scope) only speaks for the remembered cases inside its
    scope: a case outside it is not 已消失 because this run did not list it.

    All or nothing: in a transaction of its own, or with `own_transaction=False` in the caller's (the
    nightly flow commits the ledger together with the run's outputs, so a run killed before its workbook
    is written leaves the ledger as it was)."""
    if own_transaction:
        with transaction(con):
            return update(con, run_id, as_of, rules, scope, own_transaction=False)
    ensure_schema(con)
    seq = con.execute("select coalesce(max(run_seq), 0) + 1 from ledger_runs").fetchall()[0][0]
    stamp = RunStamp(seq, run_id, as_of)
    rule_ids = [r.id for r in rules]
    con.execute("insert into ledger_runs values (?, ?, ?, current_timestamp, ?)", [seq, run_id, as_of, rule_ids])
    _current_cases(con, rules)
    _record_facts(con, seq)
    con.execute(f"create or replace temp table _decision as {DECISIONS_SQL}")
    _fact_changes(con, rules)
    _next_state(con, stamp, rule_ids, scope)
    con.execute("delete from case_ledger where case_id in (select case_id from _next)")
    con.execute("insert into case_ledger by name select * exclude (shown, decision_closes) from _next")
    _case_status(con, stamp, rule_ids)
    con.execute("alter table cases add column if not exists status varchar")
    con.execute("update cases set status = s.status from case_status s where s.case_id = cases.case_id")
    return summary(con)


def _current_cases(con, rules) -> None:
    parts = [f"select case_id, {material_sql(r)} as material from case_{r.id}" for r in rules]
    union = " union all ".join(parts) if parts else "select null::varchar as case_id, null::json as material limit 0"
    con.execute(f"""
        create or replace temp table _cur as
        select c.case_id, c.rule_id, c.subject_id_number, c.subject_name, c.county, c.township, c.village,
               c.programme, c.severity, c.period_to, c.amount_yuan, c.details, m.material
        from cases c join ({union}) m using (case_id)""")
    dup = con.execute("select case_id, count(*) from _cur group by all having count(*) > 1 limit 5").fetchall()
    if dup:
        raise LedgerError(f"case ids are not unique (the rule's case_key does not make cases distinct): {dup}")


def _record_facts(con, seq: int) -> None:
    """A new version of a case's facts when period_to, amount_yuan or a material column differs from the
    latest version."""
    con.execute("""
        insert into case_facts
        select c.case_id, $seq, c.period_to, c.amount_yuan, c.material
        from _cur c
        left join (select * from case_facts qualify row_number() over (partition by case_id order by run_seq desc) = 1) f
               using (case_id)
        where f.case_id is null or f.period_to is distinct from c.period_to
           or f.amount_yuan is distinct from c.amount_yuan or f.material::varchar is distinct from c.material::varchar
    """, {"seq": seq})


def _fact_changes(con, rules) -> None:
    """For every current case closed by a decision: what changed materially since the facts it was decided on
    (null when nothing did)."""
    rule_labels = {r.id: r.header.get("labels") or {} for r in rules}
    rows = con.execute("""
        select c.case_id, c.rule_id, c.period_to, c.amount_yuan, c.material::varchar, f.period_to, f.amount_yuan,
               f.material::varchar, d.conclusion, d.false_reason, d.measures, d.verified_on, d.verifier
        from _cur c
        join _decision d using (case_id)
        join case_facts f on f.case_id = d.case_id and f.run_seq = d.facts_seq
        where d.closes""").fetchall()
    out = []
    for (case_id, rule_id, period_to, amount, material, d_period_to, d_amount, d_material, concl, reason, measures,
         on, who) in rows:
        changes = describe_changes(period_to, amount, json.loads(material or "{}"),
                                   d_period_to, d_amount, json.loads(d_material or "{}"), rule_labels.get(rule_id))
        if changes:
            out.append((case_id, f"{decision_text(concl, reason, measures, on, who)}；此后{'；'.join(changes)}"))
    con.execute("create or replace temp table _changed (case_id varchar, changes varchar)")
    if out:
        con.executemany("insert into _changed values (?, ?)", out)


def decision_text(conclusion, false_reason, measures, verified_on, verifier) -> str:
    """'2021-01-20 张三核查为不属实（数据错误）' — how the workbook quotes a past decision."""
    detail = false_reason or (f"整改：{measures}" if measures else "")
    on = f"{verified_on:%Y-%m-%d} " if verified_on else ""
    return f"{on}{verifier or ''}核查为{conclusion}" + (f"（{detail}）" if detail else "")


def describe_changes(period_to, amount, material: dict, d_period_to, d_amount, d_material: dict,
                     material_labels: dict | None = None) -> list[str]:
    """The material changes between the facts a decision was made on and today's, in Chinese; empty when
    none. A later period_to, a larger amount, or a changed material column (compared only where both
    versions have the column, so adding a column to a rule reopens nothing)."""
    changes = []
    if period_to and (d_period_to is None or period_to > d_period_to):
        was = f"（核查时至{d_period_to:%Y年%-m月}）" if d_period_to else ""
        changes.append(f"又有发放：所属期至{period_to:%Y年%-m月}{was}")
    if amount is not None and (d_amount is None or amount > d_amount):
        was = f"{d_amount:,.2f}元 → " if d_amount is not None else ""
        changes.append(f"金额增加：{was}{amount:,.2f}元")
    for col in sorted(set(material) & set(d_material), key=list(material).index):
        new, old = material[col], d_material[col]
        if (new or None) == (old or None):
            continue
        name = label(col, material_labels)
        if isinstance(new, str) and isinstance(old, str):
            added = [p for p in new.split("；") if p and p not in old.split("；")]
            removed = [p for p in old.split("；") if p and p not in new.split("；")]
            if added:
                changes.append(f"{name}新增：{'；'.join(added)}")
            if removed:
                changes.append(f"{name}减少：{'；'.join(removed)}")
        else:
            changes.append(f"{name}：{old if old is not None else '无'} → {new if new is not None else '无'}")
    return changes


def _next_state(con, stamp: RunStamp, rule_ids: list[str], scope=None) -> None:
    """Every case of the run's rules (current or remembered, within the run's scope) with its next ledger row."""
    in_scope, scope_params = ("true", {}) if scope is None else scope.predicate(
        period_from="cast(details->>'period_from' as date)")
    con.execute(f"""
        create or replace temp table _next as
        with l as (select * from case_ledger where list_contains($rules, rule_id) and coalesce({in_scope}, false)),
        k as (
            select coalesce(c.case_id, l.case_id) as case_id, c.case_id is not null as present,
                   l.case_id is not null as known, l.status as prev, d.feedback_id, coalesce(d.closes, false) as closes,
                   x.changes as fact_changes, d.conclusion, d.verified_on, d.verifier
            from _cur c
            full join l using (case_id)
            left join _decision d on d.case_id = coalesce(c.case_id, l.case_id)
            left join _changed x on x.case_id = coalesce(c.case_id, l.case_id)
        ),
        s as (
            select k.*,
                   case
                     when present and not known then $new
                     when present and closes and fact_changes is null then $closed
                     when present and closes then
                          case when l.reraised_for is not distinct from feedback_id then $open else $reraised end
                     when present and prev in ($gone, $closed) then $reraised
                     when present then $open
                     when closes then $closed
                     else $gone
                   end as status
            from k left join l using (case_id)
        )
        select s.case_id,
               coalesce(c.rule_id, l.rule_id) as rule_id,
               coalesce(c.subject_id_number, l.subject_id_number) as subject_id_number,
               coalesce(c.subject_name, l.subject_name) as subject_name,
               case when s.present then c.county else l.county end as county,
               case when s.present then c.township else l.township end as township,
               case when s.present then c.village else l.village end as village,
               case when s.present then c.programme else l.programme end as programme,
               case when s.present then c.severity else l.severity end as severity,
               case when s.present then c.period_to else l.period_to end as period_to,
               case when s.present then c.amount_yuan else l.amount_yuan end as amount_yuan,
               case when s.present then c.details else l.details end as details,
               coalesce(l.first_seen_on, $as_of) as first_seen_on,
               case when s.present then $as_of else l.last_seen_on end as last_seen_on,
               case when s.present then $seq else l.last_seen_seq end as last_seen_seq,
               s.status,
               case when s.status is distinct from s.prev or s.status = $reraised then $seq else l.status_seq end
                   as status_seq,
               case when s.status = $new then $as_of
                    when s.status = $reraised and s.prev = $gone and not s.closes then l.open_since
                    when s.status = $reraised then $as_of
                    else l.open_since end as open_since,
               case when s.status = $reraised and s.fact_changes is not null then s.fact_changes
                    when s.status = $reraised and s.prev = $gone
                         then '此前已消失（最后出现于' || strftime(l.last_seen_on, '%Y-%m-%d') || '），本次再次出现'
                    when s.status = $reraised
                         then '核查结论已改为' || coalesce(s.conclusion, '空') || '（' ||
                              coalesce(strftime(s.verified_on, '%Y-%m-%d'), '') || ' ' || coalesce(s.verifier, '') || '）'
                    when s.status = $open and s.closes then s.fact_changes
                    when s.status in ($open, $gone) and l.reraised_for is not distinct from coalesce(s.feedback_id, 0)
                         then l.changes
                    end as changes,
               case when s.status = $reraised then coalesce(s.feedback_id, 0)
                    when s.status in ($open, $gone) and l.reraised_for is not distinct from coalesce(s.feedback_id, 0)
                         then l.reraised_for
                    when s.status = $open and s.closes then l.reraised_for
                    end as reraised_for,
               s.status in ($new, $open, $reraised) or (s.status = $gone and s.prev is distinct from $gone)
                   as shown,
               s.closes as decision_closes
        from s
        left join _cur c using (case_id)
        left join l using (case_id)
    """, {"rules": rule_ids, "as_of": stamp.as_of, "seq": stamp.seq, "new": NEW, "open": OPEN,
          "reraised": RERAISED, "closed": CLOSED, "gone": GONE, **scope_params})


def _case_status(con, stamp: RunStamp, rule_ids: list[str]) -> None:
    """This run's view of its cases for the workbook: status, days open, what changed, whether it is listed,
    and the decision in force to prefill (for listed open cases whose decision does not close them)."""
    cols = ", ".join(f"case when n.shown and n.status <> $new and not n.decision_closes then d.{c} end as {c}"
                     for c in FEEDBACK_VALUE_COLUMNS)
    con.execute(f"""
        create or replace table case_status as
        select n.case_id, n.rule_id, n.status, n.shown, n.county, n.township, n.severity, n.amount_yuan,
               n.first_seen_on, n.last_seen_on,
               case when n.status in ($new, $open, $reraised) then greatest(0, $as_of - n.open_since) end as open_days,
               n.changes, {cols}, $seq as run_seq
        from _next n left join _decision d using (case_id)
    """, {"as_of": stamp.as_of, "seq": stamp.seq, "open": OPEN, "new": NEW, "reraised": RERAISED})


def summary(con) -> dict[str, dict[str, int]]:
    """Per rule, the number of this run's cases in each status."""
    out: dict[str, dict[str, int]] = {}
    for rule_id, status, n in con.execute(
            "select rule_id, status, count(*) from case_status group by all order by all").fetchall():
        out.setdefault(rule_id, {})[status] = n
    order = (NEW, OPEN, RERAISED, GONE, CLOSED)
    return {r: dict(sorted(c.items(), key=lambda kv: order.index(kv[0]))) for r, c in out.items()}


def run_stamp(con, run_id: str) -> RunStamp | None:
    """The ledger's record of a run, or None when this warehouse never ran it."""
    ensure_schema(con)
    rows = con.execute("select run_seq, run_id, as_of from ledger_runs where run_id = ?", [run_id]).fetchall()
    return RunStamp(*rows[0]) if rows else None


def previous_run(con, seq: int) -> RunStamp | None:
    rows = con.execute("select run_seq, run_id, as_of from ledger_runs where run_seq < ? order by run_seq desc limit 1",
                       [seq]).fetchall()
    return RunStamp(*rows[0]) if rows else None


def gone_cases_sql(rule, struct: dict[str, str]) -> str:
    """The remembered evidence of this run's listed 已消失 cases of one rule, in the columns of case_<id>."""
    return (f"select unnest(json_transform(l.details, '{json.dumps(struct, ensure_ascii=False)}')) "
            f"from case_ledger l join case_status s using (case_id) "
            f"where s.status = '{GONE}' and s.shown and l.rule_id = '{rule.id}'")
