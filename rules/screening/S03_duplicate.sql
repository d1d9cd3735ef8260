/*
id: S03
name_zh: 重复发放
rationale: 同一人同一项目（同一类别）同一所属期，在本名单中出现不止一次（第一行之外的各行），或已经发放过。
*/
with listed as (
    select *, row_number() over (partition by id_number, programme, coalesce(sub_type, ''), entitlement_month
                                 order by file_id, sheet, row_no) as nth
    from candidates where amount_yuan > 0
)
select file_id, sheet, row_no, 'S03' as check_id,
       format('同一人{}所属期{}在本名单中重复列入（第{}次）', programme, strftime(entitlement_month, '%Y-%m'), nth) as reason
from listed where nth > 1
union all
select c.file_id, c.sheet, c.row_no, 'S03',
       format('{}所属期{}已经发放过（{}元）', c.programme, strftime(c.entitlement_month, '%Y-%m'),
              qf_yuan(p.amount_yuan))
from candidates c
join wh.paid_months p on p.id_number = c.id_number and p.programme = c.programme
                     and p.sub_type = coalesce(c.sub_type, '') and p.entitlement_month = c.entitlement_month
where c.amount_yuan > 0 and p.amount_yuan > 0
