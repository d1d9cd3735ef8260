/*
id: S04
name_zh: 互斥待遇
rationale: 待发放的待遇与此人同月已在领取的另一项待遇互斥（互斥组合与 R05 相同）。
params_from: R05
*/
with pairs as (
    select p[1] as side_a, p[2] as side_b from (select unnest($pairs) as p)
    union select p[2], p[1] from (select unnest($pairs) as p)
), held as (
    -- what each person is already paid, by programme and by sub-type
    select id_number, programme as label, entitlement_month from wh.paid_months where amount_yuan > 0
    union select id_number, sub_type, entitlement_month from wh.paid_months where amount_yuan > 0 and sub_type <> ''
)
select c.file_id, c.sheet, c.row_no, 'S04' as check_id,
       format('与同月已领取的{}互斥（所属期{}）', min(h.label), strftime(c.entitlement_month, '%Y-%m')) as reason
from candidates c
join pairs x on x.side_a in (c.programme, c.sub_type)
join held h on h.id_number = c.id_number and h.entitlement_month = c.entitlement_month and h.label = x.side_b
group by c.file_id, c.sheet, c.row_no, c.entitlement_month
