/*
id: S02
name_zh: 已迁出
rationale: 户籍已迁出本省（两项补贴）或本县（低保、特困），待发放的所属期在迁出月份之后；迁往供养机构的不暂停。
params_from: R03
*/
select c.file_id, c.sheet, c.row_no, 'S02' as check_id,
       format('户籍已于{}迁往{}（{}），所属期{}在迁出之后', strftime(m.moved_on, '%Y-%m-%d'), m.destination,
              case g.move_scope when 'province' then '迁出本省' else '迁出本县' end,
              strftime(c.entitlement_month, '%Y-%m')) as reason
from candidates c
join wh.moves m using (id_number)
join wh.programmes g using (programme)
where not regexp_matches(m.destination, $institution_words)
  and ((g.move_scope = 'province' and m.out_of_province) or (g.move_scope = 'county' and m.out_of_county))
  and c.entitlement_month > date_trunc('month', m.moved_on)
