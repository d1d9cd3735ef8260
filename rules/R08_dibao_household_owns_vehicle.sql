/*
id: R08
title: A member of a 低保 household owns a vehicle
name_zh: 低保家庭有车
severity: high
rationale: >
  低保家庭（以户籍同户成员代替）中有人名下登记有机动车，且在低保发放月份里车辆处于正常登记状态。车辆是各地低保的直接排除条件之一。
  车辆从初次登记起一直在名下，直到转移（卖出）、注销、报废或被盗抢（状态日期所在月）；逾期未检验、违法未处理、停驶、
  查封、抵押等状态仍在名下（状态用语见 sources/assistance_words.yaml vehicle_ended）。与 R09 用同一条边界规则：
  在首个发放月内转移、报废的，只算“当月结束”，有争议，定为低风险。
  已排除的误报：在发放月份之前已报废、注销或转让的车辆；残疾人专用车、代步车等豁免车型（可配置）；
  单独施保的受助人（重残单独施保、单列户、单人户施保等写法，或保障人数为1人）只比对本人名下车辆。
  初次登记日期未填写或无法识别、注销未写日期的，不推定仍在名下，列入待补数据。
  仍需人工排除：已卖出但未过户、冒名登记、价值很低的旧车（部分地方设价值门槛）。
basis: 《浙江省社会救助条例》及各地低保家庭财产认定办法（机动车为直接排除条件，唯一谋生车辆、残疾人代步车除外）
verify: >
  调取车辆登记信息（号牌、车型、登记及状态变更日期），入户或电话核实车辆是否实际拥有和使用；核实是否属于当地认可的例外情形。
subject: recipient
case_key: [subject_id_number, plate_no]
amount_kind: at_stake      # amount_yuan: 有车期间的低保，是否多发取决于核实车辆和收入
evidence: [subject_id_number, subject_name, county, township, village, programme, related_id_number, related_name,
           related_relation, plate_no, vehicle_type, vehicle_status, registered_on, period_from, period_to, months,
           amount_yuan, severity, facts, evidence, source_rows]
labels: {related_id_number: 车主身份证号, related_name: 车主姓名, related_relation: 车主与受助人关系, plate_no: 号牌号码,
         vehicle_type: 车辆类型, vehicle_status: 车辆状态, registered_on: 初次登记日期}
params: {programmes: [最低生活保障], exempt_types: 残疾人专用|残疾人代步|残疾人机动轮椅|代步车}
inputs: {required: [payments, vehicles], optional: [persons]}
traps:
  - bullet: "the car was sold but the transfer not registered"
    decision: 登记仍在受助家庭成员名下、状态正常的车辆，数据无法区分“已卖出未过户”与“仍在使用”，规则照常列出；核查时请调取买卖合同、收款记录，入户核实车辆是否仍实际占有使用，已卖出的补办转移登记后销号。
  - bullet: "冒名登记"
    decision: 车辆登记数据看不出是否被冒名登记，规则按登记列出；核查时询问本人是否知情，调取登记档案中的签字和身份证明，确属冒名的不认定。
  - bullet: "second-hand cars of very low value"
    decision: 车辆登记中没有车辆价值，规则无法按价值门槛排除；线索列出车型和初次登记日期，核查时按当地低保家庭财产认定办法的价值标准评估。
*/
with vehicles_here as (
    select *, qf_row_ref(source_file, sheet, row_no) as at_row,
           qf_vehicle_ended(status) as ended,        -- 转移、注销、报废、被盗抢 (sources/assistance_words.yaml)
           qf_unreadable(warnings, 'registered_on') as start_unreadable
    from vehicles
    where not regexp_matches(concat_ws(' ', vehicle_type, use_type, plate_type), $exempt_types)
), months as (
    select p.id_number, p.programme, p.entitlement_month, p.amount_yuan, p.member_id_number, p.is_self, p.related_relation,
           p.household_basis, v.name as related_name, v.plate_no, v.vehicle_type, v.status as vehicle_status,
           v.registered_on, v.status_on, v.ended, v.at_row, v.source_file, v.sheet, v.row_no, v.warnings,
           -- the boundary rule R08 shares with R09 (rules/kinship.sql)
           qf_holding(p.entitlement_month, v.registered_on, v.start_unreadable, v.ended, v.status_on) as holding
    from household_paid_months($programmes) p   -- rules/kinship.sql
    join vehicles_here v on v.id_number = p.member_id_number
), cases as (
    -- months held for the whole month count; a month in which the car left its owner only when no month is
    -- held (then the case is arguable: rated low)
    select id_number, plate_no, min(programme) as programme, min(member_id_number) as member_id_number,
           min(is_self) as is_self, min(related_relation) as related_relation,
           min(household_basis) as household_basis,
           min(related_name) as related_name, min(vehicle_type) as vehicle_type,
           min(vehicle_status) as vehicle_status, min(registered_on) as registered_on,
           min(status_on) as status_on, min(ended) as ended,
           bool_or(holding = 'held') as any_held,
           min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(distinct entitlement_month) as months, sum(amount_yuan) as amount_yuan, min(at_row) as vehicle_row
    from (select *, bool_or(holding = 'held') over (partition by id_number, plate_no) as case_held from months
          where holding in ('held', 'ending'))
    where holding = 'held' or not case_held
    group by id_number, plate_no
)
select c.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village, c.programme,
       c.member_id_number as related_id_number, c.related_name, c.related_relation, c.plate_no, c.vehicle_type,
       c.vehicle_status, c.registered_on, c.period_from, c.period_to, c.months, c.amount_yuan,
       case when not c.any_held then 'low' when c.is_self then 'high' else 'medium' end as severity,
       '据以认定：机动车登记（' || c.vehicle_row || '）车主身份证号与' || case when c.is_self then '受助人' else '同户成员' end
           || '一致，初次登记' || coalesce(strftime(c.registered_on, '%Y-%m-%d'), '日期未填写') || '，状态'
           || coalesce(c.vehicle_status, '未填写（按在名下）')
           || case when c.ended then '，' || strftime(c.status_on, '%Y-%m-%d') || '起不在名下' else '' end
           || '；' || c.household_basis
           || case when not c.any_held then '；争议：车辆在首个发放月' || qf_month_zh(c.period_from) || '内转出名下，定为低风险' else '' end
           || '；推定：' || qf_member_presumed(c.is_self)
           || '登记在名下即实际拥有（未核实是否已卖出未过户、冒名登记或车辆价值）' as facts,
       format('{}（{}）享受{}期间（所属期{}至{}共{}个月，合计{}元），{}名下有机动车{}（{}，{}登记，状态：{}）。',
              y.name, c.id_number, c.programme, qf_month_zh(c.period_from), qf_month_zh(c.period_to),
              c.months, qf_yuan(c.amount_yuan),
              qf_member_zh(c.is_self, c.related_relation, c.related_name), c.plate_no, coalesce(c.vehicle_type, '车型不详'),
              coalesce(qf_date_zh(c.registered_on), '日期不详'), coalesce(c.vehicle_status, '正常')) as evidence,
       c.vehicle_row as source_rows
from cases c
join payees y using (id_number, programme)
order by c.is_self desc, c.amount_yuan desc, subject_id_number;

-- needs_data
-- 待补数据: a household member's vehicle whose ownership in a paid month cannot be decided: it left its owner
-- (转移、注销、报废、被盗抢) on a date not given or not readable, or its registration date was not given or
-- could not be read
with unknown as (
    select p.id_number, p.programme, p.is_self, p.related_relation, v.name, v.plate_no, v.status, v.warnings,
           v.registered_on,
           v.source_file, v.sheet, v.row_no, min(p.entitlement_month) as month_from, max(p.entitlement_month) as month_to
    from household_paid_months($programmes) p   -- rules/kinship.sql
    join vehicles v on v.id_number = p.member_id_number
    where not regexp_matches(concat_ws(' ', v.vehicle_type, v.use_type, v.plate_type), $exempt_types)
      -- the boundary rule R08 shares with R09 (rules/kinship.sql)
      and qf_holding(p.entitlement_month, v.registered_on, qf_unreadable(v.warnings, 'registered_on'),
                     qf_vehicle_ended(v.status), v.status_on) = 'unknown'
    group by all
)
select u.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village,
       case when qf_unreadable(u.warnings, 'registered_on') then '初次登记日期（无法识别）'
            when u.registered_on is null then '初次登记日期（未填写）'
            when qf_unreadable(u.warnings, 'status_on') then '状态变更日期（无法识别）'
            else '状态变更日期（机动车状态为“' || u.status || '”，未填写日期）' end as missing,
       format('{}领取{}（{}至{}）时，{}名下车辆{}是否仍在名下', y.name, u.programme, qf_month_zh(u.month_from),
              qf_month_zh(u.month_to),
              qf_member_zh(u.is_self, u.related_relation, u.name), u.plate_no) as decides,
       u.source_file, u.sheet, u.row_no
from unknown u
join payees y using (id_number, programme)
order by subject_id_number, source_file, row_no
