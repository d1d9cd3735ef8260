/*
id: R08
title: A member of a 低保 household owns a vehicle
name_zh: 低保家庭有车
severity: high
rationale: >
  低保家庭（以户籍同户成员代替）中有人名下登记有机动车，且在低保发放月份里车辆处于正常登记状态。车辆是各地低保的直接排除条件之一。
  车辆在某月“在名下”：初次登记日期不晚于该月月底，且状态为正常，或注销、转移、报废的日期在该月之后。
  已排除的误报：在发放月份之前已报废、注销或转让的车辆；残疾人专用车、代步车等豁免车型（可配置）；重残单独施保的受助人。
  仍需人工排除：已卖出但未过户、冒名登记、价值很低的旧车（部分地方设价值门槛）。
basis: 《浙江省社会救助条例》及各地低保家庭财产认定办法（机动车为直接排除条件，唯一谋生车辆、残疾人代步车除外）
verify: >
  调取车辆登记信息（号牌、车型、登记及状态变更日期），入户或电话核实车辆是否实际拥有和使用；核实是否属于当地认可的例外情形。
subject: recipient
case_key: [subject_id_number, plate_no]
evidence: [subject_id_number, subject_name, county, township, village, programme, related_id_number, related_name,
           related_relation, plate_no, vehicle_type, vehicle_status, registered_on, period_from, period_to, months,
           amount_yuan, severity, evidence, source_rows]
labels: {related_id_number: 车主身份证号, related_name: 车主姓名, related_relation: 车主与受助人关系, plate_no: 号牌号码,
         vehicle_type: 车辆类型, vehicle_status: 车辆状态, registered_on: 初次登记日期}
params: {programmes: [最低生活保障], alone_words: 单独施保, exempt_types: 残疾人专用|残疾人代步|残疾人机动轮椅|代步车}
inputs: {required: [payments, vehicles], optional: [persons]}
*/
with owned as (
    -- a vehicle is the owner's from its registration until its status changed away from 正常
    select *, qf_row_ref(source_file, sheet, row_no) as at_row
    from vehicles
    where not regexp_matches(concat_ws(' ', vehicle_type, use_type, plate_type), $exempt_types)
), months as (
    select p.id_number, p.programme, p.entitlement_month, p.amount_yuan, p.member_id_number, p.is_self, p.related_relation,
           v.name as related_name, v.plate_no, v.vehicle_type, v.status as vehicle_status, v.registered_on, v.at_row
    from household_paid_months($programmes, $alone_words) p   -- sources/kinship.sql
    join owned v on v.id_number = p.member_id_number
    where (v.registered_on is null or v.registered_on <= last_day(p.entitlement_month))
      and (coalesce(v.status, '正常') like '%正常%' or v.status_on > last_day(p.entitlement_month))
), cases as (
    select id_number, plate_no, any_value(programme) as programme, any_value(member_id_number) as member_id_number,
           any_value(is_self) as is_self, any_value(related_relation) as related_relation,
           any_value(related_name) as related_name, any_value(vehicle_type) as vehicle_type,
           any_value(vehicle_status) as vehicle_status, any_value(registered_on) as registered_on,
           min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(distinct entitlement_month) as months, sum(amount_yuan) as amount_yuan, any_value(at_row) as vehicle_row
    from months group by id_number, plate_no
)
select c.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village, c.programme,
       c.member_id_number as related_id_number, c.related_name, c.related_relation, c.plate_no, c.vehicle_type,
       c.vehicle_status, c.registered_on, c.period_from, c.period_to, c.months, c.amount_yuan,
       case when c.is_self then 'high' else 'medium' end as severity,
       format('{}（{}）享受{}期间（所属期{}至{}共{}个月，合计{}元），{}{}名下有机动车{}（{}，{}登记，状态：{}）。',
              y.name, c.id_number, c.programme, strftime(c.period_from, '%Y年%-m月'), strftime(c.period_to, '%Y年%-m月'),
              c.months, printf('%.2f', c.amount_yuan),
              case when c.is_self then '受助人本人' else '其' || c.related_relation end,
              case when c.is_self then '' else c.related_name end, c.plate_no, coalesce(c.vehicle_type, '车型不详'),
              coalesce(strftime(c.registered_on, '%Y年%-m月%-d日'), '日期不详'), coalesce(c.vehicle_status, '正常')) as evidence,
       c.vehicle_row as source_rows
from cases c
join payees y using (id_number, programme)
order by c.is_self desc, c.amount_yuan desc, subject_id_number
