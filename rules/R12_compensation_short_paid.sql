/*
id: R12
title: Compensation due under an agreement did not reach the entitled person
name_zh: 补偿款截留少付
severity: high
rationale: >
  按补偿协议应付给权利人的金额，与实际付到权利人本人（或其同户家庭成员、近亲属）的金额比较：少付的差额即疑似截留
  （如衢州铁塔占地补偿应付 1 万元只到手 4 千元），或钱付给了别人（如村干部）。分期付款合计足额的不标记。
  收款人按身份证号认定，没有身份证号的按姓名与权利人比对。线索记在权利人名下，列明应付、实付、差额和全部收款人。
  仍需人工排除：经村民代表会议决议的集体留存（需有决议）、地块界址争议尚未解决的暂缓支付。
basis: 《土地管理法》及实施条例（征地补偿费足额支付给被征地农民）；农村集体“三资”管理规定；黄岩、武宣等截留案例
verify: >
  调取补偿协议、付款凭证、村级账簿和收款人银行流水，入户询问权利人实际到手金额；付给他人的，查明收款人身份及资金去向；
  集体留存的，调取村民代表会议决议。
subject: entitled person
case_key: [subject_id_number, agreement_no]
evidence: [subject_id_number, subject_name, county, township, village, programme, agreement_no, due_yuan, paid_yuan,
           reached_yuan, payees, cadre_payees, period_from, period_to, months, amount_yuan, severity, evidence, source_rows]
labels: {programme: 补偿项目, agreement_no: 协议编号, due_yuan: 应付金额（元）, paid_yuan: 实付合计（元）,
         reached_yuan: 付到本人或家人（元）, payees: 收款人及金额, cadre_payees: 收款人中的村干部, amount_yuan: 差额（元）}
params: {tolerance_yuan: 1}
inputs: {required: [compensation_agreements, compensation_payouts], optional: [persons, cadres]}
*/
with due as (
    select agreement_no, id_number, any_value(name) as name, any_value(name_norm) as name_norm,
           any_value(project_name) as project_name, any_value(county) as county, any_value(township) as township,
           any_value(village) as village,
           sum(amount_due_yuan) as due_yuan,
           string_agg(qf_row_ref(source_file, sheet, row_no), '；')
               as agreement_rows
    from compensation_agreements group by agreement_no, id_number
), paid as (
    -- each payout under the agreement, with who the payee is to the entitled person
    select d.agreement_no, d.id_number, o.payee_name, o.payee_id_number, o.payee_account, o.amount_paid_yuan, o.paid_on,
           case when o.payee_id_number = d.id_number
                  or (o.payee_id_number is null and o.payee_name_norm = d.name_norm) then '本人'
                when h.member_id_number is not null then '同户家庭成员'
                when k.label is not null then k.label end as payee_relation,
           qf_row_ref(o.source_file, o.sheet, o.row_no) as payout_row
    from due d
    join compensation_payouts o
      on o.id_number = d.id_number and (o.agreement_no = d.agreement_no or o.agreement_no is null)
    left join housemates h
      on h.id_number = d.id_number and h.member_id_number <> d.id_number
     and (h.member_id_number = o.payee_id_number or (o.payee_id_number is null and qf_name(h.member_name) = o.payee_name_norm))
    left join (select person_id_number, relative_id_number, min(label) as label from kin where scope = 'civil'
               and person_id_number in (select id_number from compensation_agreements) group by all) k
      on k.person_id_number = d.id_number and k.relative_id_number = o.payee_id_number
), cadre_payees as (
    select p.agreement_no, p.id_number, string_agg(distinct p.payee_name || '（' || c.post || '）', '、' order by p.payee_name || '（' || c.post || '）') as cadres
    from paid p join cadres c
      on c.id_number = p.payee_id_number or (p.payee_id_number is null and c.name_norm = qf_name(p.payee_name))
    where p.payee_relation is null
    group by all
), sums as (
    select d.*, coalesce(sum(p.amount_paid_yuan), 0) as paid_yuan,
           coalesce(sum(p.amount_paid_yuan) filter (where p.payee_relation is not null), 0) as reached_yuan,
           string_agg(p.payee_name || '（' || coalesce(p.payee_relation, '非本人及家人') || '）'
                      || printf('%.2f', p.amount_paid_yuan) || '元' || coalesce('，' || strftime(p.paid_on, '%Y-%m-%d'), ''),
                      '；' order by p.paid_on) as payees,
           min(p.paid_on) as first_paid_on, max(p.paid_on) as last_paid_on,
           string_agg(p.payout_row, '；' order by p.paid_on) as payout_rows
    from due d left join paid p using (agreement_no, id_number)
    group by all
)
select s.id_number as subject_id_number, s.name as subject_name, s.county, s.township, s.village,
       s.project_name as programme, s.agreement_no, s.due_yuan, s.paid_yuan, s.reached_yuan,
       coalesce(s.payees, '无付款记录') as payees, c.cadres as cadre_payees,
       date_trunc('month', s.first_paid_on)::date as period_from, date_trunc('month', s.last_paid_on)::date as period_to,
       cast(null as bigint) as months, s.due_yuan - s.reached_yuan as amount_yuan,
       case when c.cadres is not null or s.due_yuan - s.reached_yuan >= 1000 then 'high' else 'medium' end as severity,
       format('{}（{}）按协议{}（{}）应得补偿{}元，付到本人或家人的只有{}元，差额{}元；收款情况：{}{}。',
              s.name, s.id_number, s.agreement_no, coalesce(s.project_name, '项目不详'), printf('%.2f', s.due_yuan),
              printf('%.2f', s.reached_yuan), printf('%.2f', s.due_yuan - s.reached_yuan),
              coalesce(s.payees, '无付款记录'), coalesce('；收款人中有村干部：' || c.cadres, '')) as evidence,
       s.agreement_rows || coalesce('；' || s.payout_rows, '') as source_rows
from sums s
left join cadre_payees c using (agreement_no, id_number)
where s.due_yuan - s.reached_yuan >= $tolerance_yuan
order by amount_yuan desc, subject_id_number
