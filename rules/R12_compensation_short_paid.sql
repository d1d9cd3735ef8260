/*
id: R12
title: Compensation due under an agreement did not reach the entitled person
name_zh: 补偿款截留少付
severity: high
rationale: >
  按补偿协议应付给权利人的金额，与实际付到权利人本人（或其同户家庭成员、近亲属）的金额比较：少付的差额即疑似截留
  （如衢州铁塔占地补偿应付 1 万元只到手 4 千元），或钱付给了别人（如村干部）。分期付款合计足额的不标记。
  收款人按身份证号认定，没有身份证号的按姓名与权利人比对。线索记在权利人名下，列明应付、实付、差额和全部收款人。
  未注明协议编号的付款只分摊一次：按协议编号顺序依次补足各协议的差额，不在每份协议上重复全额计算。
  记在配偶户号（户籍配偶身份证号或同户关系）下的付款计入权利人名下（配偶本人另有协议的，未注明编号的付款先算配偶的）。
  权利人名下有付款行因金额、身份证号等无法识别而在装载时被隔离的，少付与否无法判断：不列线索，列入待补数据。
  仍需人工排除：经村民代表会议决议的集体留存（需有决议）、地块界址争议尚未解决的暂缓支付。
basis: 《土地管理法》及实施条例（征地补偿费足额支付给被征地农民）；农村集体“三资”管理规定；黄岩、武宣等截留案例
verify: >
  调取补偿协议、付款凭证、村级账簿和收款人银行流水，入户询问权利人实际到手金额；付给他人的，查明收款人身份及资金去向；
  集体留存的，调取村民代表会议决议。
subject: entitled person
case_key: [subject_id_number, agreement_no]
amount_kind: at_stake      # amount_yuan: 应付未付的补偿款（少付，不是多发）
evidence: [subject_id_number, subject_name, county, township, village, programme, agreement_no, due_yuan, paid_yuan,
           reached_yuan, payees, cadre_payees, period_from, period_to, months, amount_yuan, severity, facts, evidence,
           source_rows]
labels: {programme: 补偿项目, agreement_no: 协议编号, due_yuan: 应付金额（元）, paid_yuan: 实付合计（元）,
         reached_yuan: 付到本人或家人（元）, payees: 收款人及金额, cadre_payees: 收款人中的村干部, amount_yuan: 差额（元）,
         facts: 认定依据与缺失信息}
params: {tolerance_yuan: 1}
traps:
  - bullet: "legitimate collective retention for collective land"
    decision: 村民代表会议决议不在任何输入文件中，规则无法区分有决议的集体留存与截留；差额照列，核查提示写明“集体留存的，调取村民代表会议决议”，有决议的由核查人员排除。
  - bullet: "disputes over plot boundaries"
    decision: 地块界址争议没有数据来源，规则无法判断暂缓支付是否因争议；差额照列，由核查人员向村和农户核实争议是否真实存在（黄岩曾以“地界分清楚了”搪塞）。
inputs: {required: [compensation_agreements, compensation_payouts], optional: [persons, cadres]}
*/
with payouts_held_back as (
    -- payout rows the loader held back (an amount or number it could not read), by the entitled person's
    -- number or, failing that, name as the row gives them: the money may have been paid
    select q.file_id, q.sheet, q.row_no, min(q.reason) as reason,
           min(regexp_replace(trim(qf_cells(r.cells, r.line, s.delimiter)[json_extract(s.mapping, '$.id_number')::integer + 1]),
                                    '[^0-9Xx]', '', 'g')) as id_text,
           min(qf_name(qf_cells(r.cells, r.line, s.delimiter)[json_extract(s.mapping, '$.name')::integer + 1])) as name_norm
    from quarantine q join raw_comp_payouts r using (file_id, sheet, row_no) join source_sheets s using (file_id, sheet)
    where q.kind = 'comp_payouts'
    group by all
), due as (
    select agreement_no, id_number, min(name) as name, min(name_norm) as name_norm,
           min(project_name) as project_name, min(county) as county, min(township) as township,
           min(village) as village,
           sum(amount_due_yuan) as due_yuan,
           string_agg(qf_row_ref(source_file, sheet, row_no), '；' order by qf_row_ref(source_file, sheet, row_no))
               as agreement_rows
    from compensation_agreements group by agreement_no, id_number
), relatives as (
    select person_id_number, relative_id_number, relative_name, relation, min(label) as label from kin
    where scope = 'civil' and person_id_number in (select id_number from compensation_agreements) group by all
), accounts as (
    -- whose 户号 a payout recorded under an ID number counts for: the person's own, and the spouse's
    -- (户籍配偶身份证号 or the same household) unless it is an unnumbered payout of a spouse with agreements
    select id_number as entitled_id, id_number as recorded_id, false as via_spouse from due
    union
    select person_id_number, relative_id_number, true from relatives where relation = '配偶'
), payouts as (
    select a.entitled_id, o.agreement_no, o.id_number as recorded_id, a.via_spouse,
           coalesce(o.payee_name, o.name) as payee_name,
           coalesce(o.payee_id_number, case when o.payee_name is null then o.id_number end) as payee_id,
           coalesce(o.payee_name_norm, o.name_norm) as payee_name_norm,
           o.payee_account, o.amount_paid_yuan, o.paid_on, qf_row_ref(o.source_file, o.sheet, o.row_no) as payout_row
    from compensation_payouts o
    join accounts a on a.recorded_id = o.id_number
    where not (a.via_spouse and o.agreement_no is null
               and o.id_number in (select id_number from compensation_agreements))
), related as (
    -- each payout with who its payee is to the entitled person
    select p.*,
           case when p.payee_id = p.entitled_id
                  or (p.payee_id is null and p.payee_name_norm = d.name_norm) then '本人'
                when h.member_id_number is not null then '同户家庭成员'
                when k.label is not null then k.label end as payee_relation
    from payouts p
    join (select id_number, min(name_norm) as name_norm from due group by all) d on d.id_number = p.entitled_id
    left join (select id_number, member_id_number, min(member_name) as member_name from housemates
               group by all) h
      on h.id_number = p.entitled_id and h.member_id_number <> p.entitled_id
     and (h.member_id_number = p.payee_id or (p.payee_id is null and qf_name(h.member_name) = p.payee_name_norm))
    left join (select person_id_number, relative_id_number, min(relative_name) as relative_name,
                      min(label) as label from relatives group by all) k
      on k.person_id_number = p.entitled_id
     and (k.relative_id_number = p.payee_id or (p.payee_id is null and qf_name(k.relative_name) = p.payee_name_norm))
), numbered as (
    select d.agreement_no, d.id_number,
           coalesce(sum(r.amount_paid_yuan), 0) as paid_yuan,
           coalesce(sum(r.amount_paid_yuan) filter (where r.payee_relation is not null), 0) as reached_yuan
    from due d left join related r on r.entitled_id = d.id_number and r.agreement_no = d.agreement_no
    group by all
), unnumbered as (
    select entitled_id as id_number, sum(amount_paid_yuan) as paid_yuan,
           coalesce(sum(amount_paid_yuan) filter (where payee_relation is not null), 0) as reached_yuan
    from related where agreement_no is null group by all
), allocated as (
    -- a payout without an agreement number is shared out once: it makes up each agreement's shortfall in
    -- turn (by agreement number), never counted in full against each
    select n.*, coalesce(u.paid_yuan, 0) as u_paid, coalesce(u.reached_yuan, 0) as u_reached,
           greatest(d.due_yuan - n.paid_yuan, 0) as short_paid, greatest(d.due_yuan - n.reached_yuan, 0) as short_reached,
           coalesce(sum(greatest(d.due_yuan - n.paid_yuan, 0)) over w, 0) as short_paid_before,
           coalesce(sum(greatest(d.due_yuan - n.reached_yuan, 0)) over w, 0) as short_reached_before
    from numbered n join due d using (agreement_no, id_number) left join unnumbered u using (id_number)
    window w as (partition by n.id_number order by n.agreement_no rows between unbounded preceding and 1 preceding)
), totals as (
    select agreement_no, id_number,
           paid_yuan + least(short_paid, greatest(u_paid - short_paid_before, 0)) as paid_yuan,
           reached_yuan + least(short_reached, greatest(u_reached - short_reached_before, 0)) as reached_yuan,
           least(short_reached, greatest(u_reached - short_reached_before, 0)) as from_unnumbered
    from allocated
), listed as (
    select d.agreement_no, d.id_number,
           string_agg(r.payee_name || '（' || coalesce(r.payee_relation, '非本人及家人') || '）'
                      || qf_yuan(r.amount_paid_yuan) || '元' || coalesce('，' || strftime(r.paid_on, '%Y-%m-%d'), '')
                      || case when r.agreement_no is null then '，未注明协议编号' else '' end
                      || case when r.via_spouse then '，记在配偶户号下' else '' end,
                      '；' order by r.paid_on) as payees,
           bool_or(r.via_spouse) as any_via_spouse,
           min(r.paid_on) as first_paid_on, max(r.paid_on) as last_paid_on,
           string_agg(r.payout_row, '；' order by r.paid_on) as payout_rows
    from due d join related r on r.entitled_id = d.id_number and (r.agreement_no = d.agreement_no or r.agreement_no is null)
    group by all
), cadre_payees as (
    select r.entitled_id as id_number, r.agreement_no,
           string_agg(distinct r.payee_name || '（' || c.post || '）', '、' order by r.payee_name || '（' || c.post || '）') as cadres
    from related r join cadres c
      on c.id_number = r.payee_id or (r.payee_id is null and c.name_norm = r.payee_name_norm)
    where r.payee_relation is null
    group by all
), sums as (
    select d.*, t.paid_yuan, t.reached_yuan, t.from_unnumbered, l.payees, l.any_via_spouse, l.first_paid_on,
           l.last_paid_on, l.payout_rows,
           (select string_agg(distinct c.cadres, '、' order by c.cadres) from cadre_payees c
            where c.id_number = d.id_number and (c.agreement_no = d.agreement_no or c.agreement_no is null)) as cadres
    from due d join totals t using (agreement_no, id_number) left join listed l using (agreement_no, id_number)
)
select s.id_number as subject_id_number, s.name as subject_name, s.county, s.township, s.village,
       s.project_name as programme, s.agreement_no, s.due_yuan, s.paid_yuan, s.reached_yuan,
       coalesce(s.payees, '无付款记录') as payees, s.cadres as cadre_payees,
       date_trunc('month', s.first_paid_on)::date as period_from, date_trunc('month', s.last_paid_on)::date as period_to,
       null::bigint as months, s.due_yuan - s.reached_yuan as amount_yuan,
       case when s.cadres is not null or s.due_yuan - s.reached_yuan >= 1000 then 'high' else 'medium' end as severity,
       '据以认定：补偿协议应付金额与付款记录（按权利人身份证号及协议编号归集'
           || case when s.any_via_spouse then '，含记在配偶户号下的付款' else '' end
           || case when s.from_unnumbered > 0 then '，未注明协议编号的付款按协议顺序分摊' || qf_yuan(s.from_unnumbered) || '元'
                   else '' end
           || '）；缺少：村集体留存决议、收款人银行流水' as facts,
       format('{}（{}）按协议{}（{}）应得补偿{}元，付到本人或家人的只有{}元，差额{}元；收款情况：{}{}。',
              s.name, s.id_number, s.agreement_no, coalesce(s.project_name, '项目不详'), qf_yuan(s.due_yuan),
              qf_yuan(s.reached_yuan), qf_yuan(s.due_yuan - s.reached_yuan),
              coalesce(s.payees, '无付款记录'), coalesce('；收款人中有村干部：' || s.cadres, '')) as evidence,
       s.agreement_rows || coalesce('；' || s.payout_rows, '') as source_rows
from sums s
where s.due_yuan - s.reached_yuan >= $tolerance_yuan
  and not exists (select 1 from payouts_held_back h
                  where h.id_text = s.id_number or (left(h.id_text, 14) = left(s.id_number, 14) and h.name_norm = s.name_norm))
order by amount_yuan desc, subject_id_number;

-- needs_data
-- an entitled person short of money with a payout row of theirs the loader could not read
with held as (
    select q.file_id, q.sheet, q.row_no, min(q.reason) as reason, min(f.file_name) as source_file,
           min(regexp_replace(trim(qf_cells(r.cells, r.line, s.delimiter)[json_extract(s.mapping, '$.id_number')::integer + 1]),
                                    '[^0-9Xx]', '', 'g')) as id_text,
           min(qf_name(qf_cells(r.cells, r.line, s.delimiter)[json_extract(s.mapping, '$.name')::integer + 1])) as name_norm
    from quarantine q join raw_comp_payouts r using (file_id, sheet, row_no) join source_sheets s using (file_id, sheet)
    join source_files f using (file_id)
    where q.kind = 'comp_payouts'
    group by all
), due as (
    select a.id_number, a.agreement_no, min(a.name) as name, min(a.name_norm) as name_norm,
           min(a.county) as county, min(a.township) as township, min(a.village) as village,
           sum(a.amount_due_yuan) as due_yuan
    from compensation_agreements a group by all
), paid as (
    select id_number, sum(amount_paid_yuan) as paid_yuan from compensation_payouts group by all
)
select d.id_number as subject_id_number, d.name as subject_name, d.county, d.township, d.village,
       '补偿款付款记录（无法读取：' || coalesce(c.text_zh, h.reason) || '）' as missing,
       format('{}按协议{}应得{}元，是否已足额付到本人或家人', d.name, d.agreement_no, qf_yuan(d.due_yuan)) as decides,
       h.source_file, h.sheet, h.row_no
from due d
join held h on h.id_text = d.id_number or (left(h.id_text, 14) = left(d.id_number, 14) and h.name_norm = d.name_norm)
left join paid p on p.id_number = d.id_number
left join reason_codes c on c.code = h.reason
where coalesce(p.paid_yuan, 0) < d.due_yuan
order by subject_id_number
