-- The kinship table: who is whose relative, derived from the household registers (persons), with how.
--
-- kinship(a, b, relation, label, scope, how, via): person a is b's <label> ("a 是 b 的 父亲"), keys into
-- kin_people. scope 'civil' = 民法典 §1045 近亲属 (spouse, parents, children, siblings, grandparents,
-- grandchildren); 'avoidance' = the wider 回避 circle added on top (in-laws, uncles and aunts, nephews and
-- nieces, cousins). how says what in the register the edge rests on; via is the person in between for a
-- two-step relation. Relations come from (1) the spouse/father/mother ID number columns, which link across
-- households (a split household keeps them), and (2) the relation to the household head (GB/T 4761 codes
-- or texts) within one household (户号). Integer keys keep the table small at a city's scale.

create or replace table kin_people as
with ids as (
    select id_number, name, row_no, 1 as rank from persons
    union all select father_id_number, null, null, 2 from persons where father_id_number is not null
    union all select mother_id_number, null, null, 2 from persons where mother_id_number is not null
    union all select spouse_id_number, null, null, 2 from persons where spouse_id_number is not null
)
select row_number() over (order by id_number)::integer as k, id_number,
       arg_min(name, (rank, row_no)) as name,
       case when try_cast(substr(id_number, 17, 1) as integer) % 2 = 1 then '男' else '女' end as sex
from ids
group by id_number;

create or replace temp table kin_member as
-- everyone's place in their household: the head (户主/本人) and the class of the relation to the head
select p.household_no, k.k, coalesce(p.relation_class, rn.class_vs_head, rx.class_vs_head, 'unknown') as class, p.relation
from persons p
join kin_people k using (id_number)
left join relation_codes rn on rn.name = p.relation
left join (select y.text, c.class_vs_head from relation_synonyms y join relation_codes c using (code)) rx on rx.text = p.relation
where p.household_no is not null;

create or replace temp table kin_head as
select household_no, min(k) as head from kin_member where class = 'self' group by household_no;

-- base edges -------------------------------------------------------------------------------------------

create or replace temp table kin_parent as   -- p is c's parent
select distinct pp.k as p, cc.k as c, '户籍：父亲公民身份号码' as how
from persons x join kin_people cc on cc.id_number = x.id_number join kin_people pp on pp.id_number = x.father_id_number
union
select distinct pp.k, cc.k, '户籍：母亲公民身份号码'
from persons x join kin_people cc on cc.id_number = x.id_number join kin_people pp on pp.id_number = x.mother_id_number
union
select h.head, m.k, '户籍：同户，与户主关系为' || m.relation
from kin_member m join kin_head h using (household_no) where m.class = 'child'
union
select m.k, h.head, '户籍：同户，与户主关系为' || m.relation
from kin_member m join kin_head h using (household_no) where m.class = 'parent'
union
-- the head's spouse is (probably) the parent of the head's children: a step-parent is possible
select s.k, c.k, '户籍：同户，户主的配偶与户主的子女'
from kin_member s join kin_member c using (household_no) where s.class = 'spouse' and c.class = 'child';

create or replace temp table kin_spouse as   -- a and b are spouses (both directions stored)
with pairs as (
    select distinct aa.k as a, bb.k as b, '户籍：配偶公民身份号码' as how
    from persons x join kin_people aa on aa.id_number = x.id_number join kin_people bb on bb.id_number = x.spouse_id_number
    union
    select h.head, m.k, '户籍：同户，与户主关系为' || m.relation
    from kin_member m join kin_head h using (household_no) where m.class = 'spouse'
)
select a, b, how from pairs union select b, a, how from pairs;

create or replace temp table kin_sibling as  -- a and b are siblings (both directions stored)
with pairs as (
    select distinct x.c as a, y.c as b,
           case when x.how like '%父亲%' and y.how like '%父亲%' then '户籍：父亲公民身份号码相同'
                when x.how like '%母亲%' and y.how like '%母亲%' then '户籍：母亲公民身份号码相同'
                else '户籍：同一父（母）' end as how
    from kin_parent x join kin_parent y on x.p = y.p and x.c <> y.c
    union
    select h.head, m.k, '户籍：同户，与户主关系为' || m.relation
    from kin_member m join kin_head h using (household_no) where m.class = 'sibling'
    union
    select x.k, y.k, '户籍：同户，同为户主的子女'
    from kin_member x join kin_member y using (household_no) where x.class = 'child' and y.class = 'child' and x.k <> y.k
)
select a, b, min(how) as how from (select a, b, how from pairs union all select b, a, how from pairs) group by all;

create or replace temp table kin_collateral as   -- a is b's collateral relative within three generations
select x.a, p.c as b, '父母的兄弟姐妹' as relation, p.how || '；' || x.how as how, p.p as via
from kin_sibling x join kin_parent p on p.p = x.b
union all select p.c, x.a, '兄弟姐妹的子女', p.how || '；' || x.how, p.p
from kin_sibling x join kin_parent p on p.p = x.b
union all select pa.c, pb.c, '堂表兄弟姐妹', pa.how || '；' || x.how || '；' || pb.how, pa.p
from kin_parent pa join kin_sibling x on x.a = pa.p join kin_parent pb on pb.p = x.b;

-- relations --------------------------------------------------------------------------------------------

set preserve_insertion_order = false;   -- lets DuckDB write the (large) table as it goes
create or replace table kinship as
with edges as (
    select p as a, c as b, '父母' as relation, 'civil' as scope, how, null::integer as via from kin_parent
    union all select c, p, '子女', 'civil', how, null from kin_parent
    union all select a, b, '配偶', 'civil', how, null from kin_spouse
    union all select a, b, '兄弟姐妹', 'civil', how, null from kin_sibling
    union all select x.p, y.c, '祖父母', 'civil', x.how || '；' || y.how, x.c from kin_parent x join kin_parent y on y.p = x.c
    union all select y.c, x.p, '孙子女', 'civil', y.how || '；' || x.how, x.c from kin_parent x join kin_parent y on y.p = x.c
    union all select h.head, m.k, '祖父母', 'civil', '户籍：同户，与户主关系为' || m.relation, null
        from kin_member m join kin_head h using (household_no) where m.class = 'grandchild'
    union all select m.k, h.head, '孙子女', 'civil', '户籍：同户，与户主关系为' || m.relation, null
        from kin_member m join kin_head h using (household_no) where m.class = 'grandchild'
    union all select m.k, h.head, '祖父母', 'civil', '户籍：同户，与户主关系为' || m.relation, null
        from kin_member m join kin_head h using (household_no) where m.class = 'grandparent'
    union all select h.head, m.k, '孙子女', 'civil', '户籍：同户，与户主关系为' || m.relation, null
        from kin_member m join kin_head h using (household_no) where m.class = 'grandparent'
    -- the 回避 circle: in-laws
    union all select p.p, s.a, '配偶的父母', 'avoidance', s.how || '；' || p.how, s.b
        from kin_spouse s join kin_parent p on p.c = s.b
    union all select s.a, p.p, '子女的配偶', 'avoidance', s.how || '；' || p.how, s.b
        from kin_spouse s join kin_parent p on p.c = s.b
    union all select x.a, s.a, '配偶的兄弟姐妹', 'avoidance', s.how || '；' || x.how, s.b
        from kin_spouse s join kin_sibling x on x.b = s.b
    union all select s.a, x.a, '兄弟姐妹的配偶', 'avoidance', s.how || '；' || x.how, s.b
        from kin_spouse s join kin_sibling x on x.b = s.b
    union all select m.k, h.head, case m.class when 'child_in_law' then '子女的配偶' when 'parent_in_law' then '配偶的父母'
                                                when 'sibling_in_law' then '兄弟姐妹的配偶' else '其他亲属' end,
                     'avoidance', '户籍：同户，与户主关系为' || m.relation, null
        from kin_member m join kin_head h using (household_no)
        where m.class in ('child_in_law', 'parent_in_law', 'sibling_in_law', 'grandchild_in_law', 'other_relative')
    union all select h.head, m.k, case m.class when 'child_in_law' then '配偶的父母' when 'parent_in_law' then '子女的配偶'
                                                when 'sibling_in_law' then '配偶的兄弟姐妹' else '其他亲属' end,
                     'avoidance', '户籍：同户，与户主关系为' || m.relation, null
        from kin_member m join kin_head h using (household_no)
        where m.class in ('child_in_law', 'parent_in_law', 'sibling_in_law', 'grandchild_in_law', 'other_relative')
    -- the 回避 circle: collateral relatives within three generations
    union all select a, b, relation, 'avoidance', how, via from kin_collateral
    -- the 回避 circle, 近姻亲 (公务员法 §74; domain.md §3.3): the spouse's siblings' spouses, the children's
    -- spouses' parents, the spouses of collateral relatives (and, the relation being mutual, the reverse)
    union all select s2.a, s1.a, '配偶的兄弟姐妹的配偶', 'avoidance', s1.how || '；' || x.how || '；' || s2.how, s1.b
        from kin_spouse s1 join kin_sibling x on x.b = s1.b join kin_spouse s2 on s2.b = x.a
    union all select p2.p, p1.p, '子女的配偶的父母', 'avoidance', p1.how || '；' || s.how || '；' || p2.how, p1.c
        from kin_parent p1 join kin_spouse s on s.a = p1.c join kin_parent p2 on p2.c = s.b
    union all select s.a, c.b, c.relation || '的配偶', 'avoidance', c.how || '；' || s.how, c.a
        from kin_collateral c join kin_spouse s on s.b = c.a
    union all select c.b, s.a, '配偶的' || case c.relation when '父母的兄弟姐妹' then '兄弟姐妹的子女'
                                                  when '兄弟姐妹的子女' then '父母的兄弟姐妹' else c.relation end,
                     'avoidance', c.how || '；' || s.how, c.a
        from kin_collateral c join kin_spouse s on s.b = c.a
)
-- a pair related in several ways keeps every way (each with what it rests on): the rules take the closest
select a, b, relation, scope, how, via from edges where a <> b;

reset preserve_insertion_order;

-- What a relation is called, given the sex of the relative: 父母 → 父亲/母亲 and so on.
create or replace table kin_labels as
select * from (values
    ('父母', '男', '父亲'), ('父母', '女', '母亲'), ('子女', '男', '儿子'), ('子女', '女', '女儿'),
    ('配偶', '男', '丈夫'), ('配偶', '女', '妻子'), ('兄弟姐妹', '男', '兄弟'), ('兄弟姐妹', '女', '姐妹'),
    ('祖父母', '男', '祖父（外祖父）'), ('祖父母', '女', '祖母（外祖母）'),
    ('孙子女', '男', '孙子（外孙子）'), ('孙子女', '女', '孙女（外孙女）'),
    ('配偶的父母', '男', '公公（岳父）'), ('配偶的父母', '女', '婆婆（岳母）'),
    ('子女的配偶', '男', '女婿'), ('子女的配偶', '女', '儿媳'),
    ('配偶的兄弟姐妹', '男', '配偶的兄弟'), ('配偶的兄弟姐妹', '女', '配偶的姐妹'),
    ('兄弟姐妹的配偶', '男', '姐夫（妹夫）'), ('兄弟姐妹的配偶', '女', '嫂子（弟媳）'),
    ('父母的兄弟姐妹', '男', '伯父（叔父、舅父）'), ('父母的兄弟姐妹', '女', '姑母（姨母）'),
    ('兄弟姐妹的子女', '男', '侄子（外甥）'), ('兄弟姐妹的子女', '女', '侄女（外甥女）'),
    ('堂表兄弟姐妹', '男', '堂（表）兄弟'), ('堂表兄弟姐妹', '女', '堂（表）姐妹'),
    ('其他亲属', '男', '其他亲属'), ('其他亲属', '女', '其他亲属')
) t(relation, sex, label);

-- kin: the kinship table with ID numbers, names and labels, for the rules.
create or replace view kin as
select pa.id_number as relative_id_number, pa.name as relative_name,
       pb.id_number as person_id_number, pb.name as person_name,
       k.relation, coalesce(l.label, k.relation) as label, k.scope, k.how, pv.name as via_name
from kinship k
join kin_people pa on pa.k = k.a
join kin_people pb on pb.k = k.b
left join kin_people pv on pv.k = k.via
left join kin_labels l on l.relation = k.relation and l.sex = pa.sex;

-- housemates: everyone registered in the same household (户号) as a person, the person included, from
-- the rows that are active (not 迁出, 死亡 or 注销). A 户籍 household stands in for the 低保 household
-- (domain.md §3.1: a lead, not proof: a married-out daughter may still be on the 户口本).
create or replace table housemates as
with active as (
    select id_number, name, household_no, relation from persons
    where household_no is not null and not regexp_matches(coalesce(status, '正常'), '迁出|死亡|注销|迁移')
)
select a.id_number, a.household_no, b.id_number as member_id_number, b.name as member_name,
       b.relation as member_relation
from active a join active b using (household_no);

-- household_paid_months(programmes): what R07–R09 (a 低保 household with a member on the payroll, owning a
-- vehicle, running a business) start from: every month a recipient of `programmes` was paid (net of
-- corrections), once for each member of the recipient's 低保 household, the recipient included even when
-- absent from the register. The 低保 household is the 户籍 household (a stand-in, domain.md §3.1), except
-- for a recipient insured alone: a payment row whose 保障类别, sub-type or 备注 says so in any of the
-- wordings of sources/assistance_words.yaml (insured_alone: 重残单独施保, 单列户, 单人户施保 …). Then only the
-- recipient's own payroll, cars and businesses count. A 保障人数 of one alone does not say so: a household
-- that hides a member's income insures one person too (the sample's planted R07 case). household_basis
-- says which (for a case's facts).
create or replace macro household_paid_months(programmes) as table
with rows as (
    select id_number, programme, entitlement_month, household_size,
           case when qf_insured_alone(concat_ws(' ', sub_type, dibao_category, remark))
                then concat_ws(' ', dibao_category, sub_type, remark) end as alone_text
    from payments
    where programme in (select unnest(programmes))
), said_alone as (
    select id_number, programme, min(alone_text) as alone_text from rows where alone_text is not null group by all
), sizes as (
    select id_number, programme, entitlement_month, max(household_size) as household_size from rows group by all
), paid as (
    select id_number, programme, entitlement_month, sum(amount_yuan) as amount_yuan
    from paid_months
    where programme in (select unnest(programmes))
    group by all having sum(amount_yuan) > 0
), months as (
    select p.*, s.household_size, a.alone_text,
           a.alone_text is not null as alone
    from paid p
    left join sizes s using (id_number, programme, entitlement_month)
    left join said_alone a using (id_number, programme)
), household as (
    select id_number, member_id_number, min(member_relation) as member_relation, bool_or(is_self) as is_self
    from (select id_number, member_id_number, member_relation, id_number = member_id_number as is_self from housemates
          union all
          select distinct id_number, id_number, '本人', true from paid)
    group by all
)
select m.id_number, m.programme, m.entitlement_month, m.amount_yuan, h.member_id_number, h.is_self,
       coalesce(case when h.is_self then '本人' end, '同户成员（与户主关系：' || h.member_relation || '）') as related_relation,
       case when m.alone_text is not null then '低保名册注明单独施保（“' || m.alone_text || '”），只比对受助人本人'
            else '低保家庭以户籍同户成员代替（' || coalesce('保障人数' || m.household_size || '人', '未注明保障人数') || '）'
       end as household_basis
from months m join household h using (id_number)
where h.is_self or not m.alone;

-- How R07–R09 name the household member a case is about (受助人本人, or 其 + the relation and the name), and
-- what they presume of a member who is not the recipient: in their evidence, facts and needs_data alike.
create or replace macro qf_member_zh(is_self, relation, name) as
    case when is_self then '受助人本人' else '其' || relation || name end;
create or replace macro qf_member_presumed(is_self) as
    case when is_self then '' else '户籍同户成员即共同生活的低保家庭成员；' end;

-- The one boundary rule of R08 and R09 for a holding (a vehicle owned, a business registered) in a paid month
-- (its first day): NULL when not held (started after the month, or ended before it); 'held' for the whole
-- month as far as the data say; 'ending' when it ended within the month (sold, scrapped, cancelled that
-- month: arguable, rated low when no other month is held); 'unknown' when it ended (`ended`: the status or a
-- closing date says so) on a date nobody recorded or that could not be read, or began on a date that was not
-- given or could not be read (a missing 初次登记日期 / 成立日期 is no evidence that it was held in past months: the
-- month goes to 待补数据, never to a case).
-- A date known to the month only (DATE_MONTH_ONLY, loaded as its first day) is compared by month.
create or replace macro qf_holding(month, start_on, start_unreadable, ended, end_on) as case
    when start_on > last_day(month) then null
    when start_unreadable or start_on is null then 'unknown'
    when not ended then 'held'
    when end_on is null then 'unknown'
    when end_on > last_day(month) then 'held'
    when end_on >= month then 'ending'
end;

-- Is month m (its first day) within a term or employment [start_on, end_on] whose dates were loaded with
-- `warnings` under the columns start_col and end_col? 'in', 'out', or 'unknown' when a date needed to decide
-- was given but could not be read (an unreadable end is not "still in office"). Compared by month.
create or replace macro qf_month_within(m, start_on, end_on, w, start_col, end_col) as case
    when start_on > last_day(m) or end_on < m then 'out'
    when qf_unreadable(w, start_col) or qf_unreadable(w, end_col) then 'unknown'
    else 'in'
end;

-- The same for a day d (a contract's signing day): compared by day, or by month where a date is known to the
-- month only; d in the very month of a month-only start or end cannot be decided ('unknown').
create or replace macro qf_day_within(d, start_on, end_on, w, start_col, end_col) as case
    when case when qf_month_only(w, start_col) then date_trunc('month', d) < start_on else d < start_on end
        or case when qf_month_only(w, end_col) then date_trunc('month', d) > end_on else d > end_on end then 'out'
    when qf_unreadable(w, start_col) or qf_unreadable(w, end_col) then 'unknown'
    when qf_month_only(w, start_col) and date_trunc('month', d) = start_on then 'unknown'
    when qf_month_only(w, end_col) and date_trunc('month', d) = end_on then 'unknown'
    else 'in'
end;

-- What a person's role in a business makes them (R09, R11; words in sources/assistance_words.yaml):
-- 'operator' (legal representative, operator, managing partner), 'member' (an ordinary cooperative member),
-- 'stake' (shareholder, investor: behind the business with a large enough share), 'other' (supervisor …).
create or replace macro qf_business_role(role) as case
    when qf_business_operator(role) then 'operator'
    when qf_business_member(role) then 'member'
    when qf_business_stake(role) then 'stake'
    else 'other'
end;

-- A share (出资比例) in percent from text: 60%, 60, 0.6 (a fraction when at most 1 and no % sign), 60.5％.
create or replace macro qf_share_pct(s) as list_transform(
    [try_cast(regexp_replace(qf_halfwidth(s), '[%％\s]', '', 'g') as double)],
    lambda v: case when contains(s, '%') or contains(s, '％') or v > 1 then v else v * 100 end)[1];

-- business_people(): every person registered with a business (R09's cases and its 待补数据), with their role
-- (role_class above), their share in percent (a lone stakeholder holds it all), whether the business ended
-- (a closing date, a status that says so, or a closing date that could not be read) and whether its
-- founding date could not be read.
create or replace macro business_people() as table
select id_number, name, business_name, business_type, role, share, status, established_on, closed_on, warnings,
       source_file, sheet, row_no, qf_business_role(role) as role_class,
       coalesce(qf_share_pct(share),
                case when count(*) over (partition by coalesce(credit_code, business_name)) = 1 then 100 end) as share_pct,
       closed_on is not null or qf_business_ended(status) or qf_unreadable(warnings, 'closed_on') as ended,
       qf_unreadable(warnings, 'established_on') as start_unreadable
from businesses;

-- cadre_kin_months(programmes, wanted_scope): what R10 starts from: every month a relative of a cadre (村干部) or case
-- worker (低保经办人员) was paid under `programmes`, in the cadre's village (a worker's township), with how the
-- two are related (the closest way: self, a 民法典 relative, the 回避 circle when wanted_scope = 'avoidance', a
-- housemate) and whether the cadre was in office that month (in_term: by month; 'unknown' when a term date
-- could not be read: not "still in office").
create or replace macro cadre_kin_months(programmes, wanted_scope) as table
with paid as (
    select id_number, programme, entitlement_month, sum(amount_yuan) as amount_yuan
    from paid_months where programme in (select unnest(programmes))
    group by all having sum(amount_yuan) > 0
), relations as (
    -- the closest way the recipient is related to each cadre: self, a 民法典 relative, the 回避 circle,
    -- a housemate (the register may say it several ways; one counts)
    select id_number, cadre_id_number, arg_min(relation, (rank, relation, kinship_scope, relation_basis)) as relation, arg_min(kinship_scope, (rank, relation, kinship_scope, relation_basis)) as kinship_scope,
           arg_min(relation_basis, (rank, relation, kinship_scope, relation_basis)) as relation_basis, min(rank) as rank
    from (
        select relative_id_number as id_number, person_id_number as cadre_id_number, label as relation,
               case scope when 'civil' then '近亲属（民法典）' else '回避范围亲属' end as kinship_scope,
               how || coalesce('，经' || via_name, '') as relation_basis, case scope when 'civil' then 1 else 2 end as rank
        from kin where (scope = 'civil' or wanted_scope = 'avoidance')
                   and person_id_number in (select id_number from cadres)   -- only cadres' relatives matter
        union all
        select member_id_number, id_number, case when member_id_number = id_number then '本人' else '同户家庭成员' end,
               '本人或同户', '户籍：同户（户号' || household_no || '）', case when member_id_number = id_number then 0 else 3 end
        from housemates where id_number in (select id_number from cadres)
    )
    group by id_number, cadre_id_number
), cadres_here as (
    select c.*, qf_row_ref(c.source_file, c.sheet, c.row_no) as at_row
    from cadres c
), placed as (
    -- paid months of a cadre's relative in the cadre's village (村干部) or township (低保经办人员), with whether
    -- the cadre was in office that month (by month; 'unknown' when a term date could not be read)
    select p.id_number, p.programme, p.entitlement_month, p.amount_yuan, c.id_number as cadre_id_number,
           c.name as cadre_name, c.post as cadre_post, c.roster, r.relation, r.kinship_scope, r.relation_basis, r.rank,
           c.at_row, c.source_file, c.sheet, c.row_no, c.county, c.township, c.village, c.warnings,
           qf_month_within(p.entitlement_month, c.term_start_on, c.term_end_on, c.warnings, 'term_start_on', 'term_end_on')
               as in_term
    from paid p
    join payees y on y.id_number = p.id_number and y.programme = p.programme
    join relations r on r.id_number = p.id_number
    join cadres_here c on c.id_number = r.cadre_id_number
    where (case when c.roster = '低保经办人员' then y.township = c.township
                else y.village = c.village and (c.township is null or y.township is null or y.township = c.township) end)
      and (c.county is null or y.county is null or y.county = c.county)
)
select * from placed;

-- cadre_firm_contracts(wanted_scope, max_members): what R11 starts from: each village project whose contractor
-- (matched to a registered business by credit code; by name where the ledger has no code; by name containment
-- within the county when one business alone fits: strength 3, weaker) has behind it (operator, stakeholder,
-- or a member of a cooperative listing at most max_members members) a cadre of that village or the cadre's
-- relative (the 回避 circle when wanted_scope = 'avoidance'); in_term says whether it was signed in the
-- cadre's term ('in', 'out', 'unknown' with missing_if_unknown naming the value and missing_file/sheet/row
-- where it is missing).
create or replace macro cadre_firm_contracts(wanted_scope, max_members) as table
with registered as (
    -- the people behind each registered business, and the county it was registered in: the registration
    -- authority's division code in the credit code (digits 3–8), else its township, else its address
    select b.*, qf_business_role(b.role) as role_class,
           count(*) filter (where qf_business_role(b.role) = 'member')
               over (partition by coalesce(b.credit_code, b.business_name)) as n_members,
           coalesce(cc.code, ta.county_code, ad.code) as county_code
    from businesses b
    left join place_alias cc on cc.level = 'county' and cc.alias = substr(b.credit_code, 3, 6) and length(b.credit_code) = 18
    left join place_alias ta on ta.level = 'township' and ta.alias = b.township
    left join (select distinct alias, code from place_alias where level = 'county' and length(alias) >= 2
                   and not regexp_full_match(alias, '[0-9]+')) ad on contains(b.address, ad.alias)
), behind as (
    select * from registered
    where role_class in ('operator', 'stake') or (role_class = 'member' and n_members <= max_members)
), matched as (
    -- each contractor's registered business: by credit code; by name where the ledger has no code (or one no
    -- registration has); by name containment within the same county, when one business alone fits (weaker)
    select j.project_name, b.business_name as matched_name, b.credit_code as matched_code, 1 as strength
    from projects j join (select distinct credit_code, business_name from businesses) b on b.credit_code = j.credit_code
    union all
    select j.project_name, b.business_name, b.credit_code, 2
    from projects j join (select distinct credit_code, business_name from businesses) b on b.business_name = j.contractor
    where j.credit_code is null or j.credit_code not in (select credit_code from businesses where credit_code is not null)
    union all
    select project_name, min(business_name), min(credit_code), 3 from (
        select distinct j.project_name, b.business_name, b.credit_code
        from projects j join registered b
          on b.county_code = j.county_code and b.business_name <> j.contractor
         and least(length(j.contractor), length(b.business_name)) >= 4
         and (contains(b.business_name, j.contractor) or contains(j.contractor, b.business_name))
        where (j.credit_code is null or j.credit_code not in (select credit_code from businesses where credit_code is not null))
          and j.contractor not in (select business_name from businesses)
    ) group by project_name having count(*) = 1
), contracts as (
    select j.*, m.strength, m.matched_name, b.id_number as person_id_number, b.name as person_name, b.role, b.role_class
    from projects j
    join matched m using (project_name)
    join behind b on b.business_name = m.matched_name and b.credit_code is not distinct from m.matched_code
), relations as (
    select relative_id_number as id_number, person_id_number as cadre_id_number, label as relation,
           how || coalesce('，经' || via_name, '') as relation_basis
    from kin where scope = 'civil' or wanted_scope = 'avoidance'
    union all
    select id_number, id_number, '本人', '同一身份证号' from cadres
), hits as (
    select c.id_number as cadre_id_number, c.name as cadre_name, c.post, c.township as cadre_township,
           coalesce(j.county, c.county) as county,
           j.project_name, j.village, j.township, j.contractor, j.credit_code, j.matched_name, j.strength,
           j.person_name, j.role, j.role_class,
           r.relation, r.relation_basis, j.signed_on, j.contract_amount_yuan,
           -- the relation shown: the cadre himself, else one resting on an ID-number column, then by text
           (r.relation <> '本人', r.relation_basis not like '%公民身份号码%', r.relation_basis, r.relation) as pick,
           qf_row_ref(j.source_file, j.sheet, j.row_no) as project_row,
           qf_row_ref(c.source_file, c.sheet, c.row_no) as cadre_row,
           -- signed in office: by day, by month where a term date is known to the month only; 'unknown' when a
           -- date could not be read or the contract falls in the very month of a month-only start or end
           case when j.signed_on is null then 'unknown'
                else qf_day_within(j.signed_on, c.term_start_on, c.term_end_on, c.warnings, 'term_start_on', 'term_end_on')
           end as in_term,
           case when j.signed_on is null then
                    case when qf_unreadable(j.warnings, 'signed_on') then '合同签订日期（无法识别）' else '合同签订日期（未填写）' end
                when qf_unreadable(c.warnings, 'term_start_on') then '任职开始日期（无法识别）'
                when qf_unreadable(c.warnings, 'term_end_on') then '任职结束日期（无法识别）'
                when qf_month_only(c.warnings, 'term_start_on') then '任职开始日期（只写到年月，与合同签订同月）'
                else '任职结束日期（只写到年月，与合同签订同月）' end as missing_if_unknown,
           case when j.signed_on is null then j.source_file else c.source_file end as missing_file,
           case when j.signed_on is null then j.sheet else c.sheet end as missing_sheet,
           case when j.signed_on is null then j.row_no else c.row_no end as missing_row
    from contracts j
    join relations r on r.id_number = j.person_id_number
    join cadres c on c.id_number = r.cadre_id_number
    where c.roster = '村干部' and c.village = j.village
      and (c.township is null or j.township is null or c.township = j.township)
)
select * from hits;
