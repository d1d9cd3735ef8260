/*
id: S05
name_zh: 查无此人
rationale: 身份证号既不在户籍登记中，也不在死亡记录中（历史行政区划代码下姓名相同的视为同一人）。
*/
select c.file_id, c.sheet, c.row_no, 'S05' as check_id, '身份证号不在户籍登记和死亡记录中' as reason
from candidates c
where c.id_number not in (select id_number from wh.persons)
  and c.id_number not in (select id_number from wh.death_records)
  and not exists (select 1 from wh.id_aliases a where a.alias_id = c.id_number and a.name_norm = c.name_norm)
