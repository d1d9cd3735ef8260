/*
id: S01
name_zh: 已死亡
rationale: 收款人已死亡（公安、民政、卫健死亡记录中姓名相符者最早的死亡日期），待发放的所属期在死亡月份之后。
*/
select c.file_id, c.sheet, c.row_no, 'S01' as check_id,
       format('已于{}死亡（{}），所属期{}在死亡月份之后', strftime(d.death_on, '%Y-%m-%d'), d.sources,
              strftime(c.entitlement_month, '%Y-%m')) as reason
from candidates c
join wh.deaths d using (id_number)
where c.entitlement_month > d.death_month
