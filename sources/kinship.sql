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
    union all select x.a, p.c, '父母的兄弟姐妹', 'avoidance', p.how || '；' || x.how, p.p
        from kin_sibling x join kin_parent p on p.p = x.b
    union all select p.c, x.a, '兄弟姐妹的子女', 'avoidance', p.how || '；' || x.how, p.p
        from kin_sibling x join kin_parent p on p.p = x.b
    union all select pa.c, pb.c, '堂表兄弟姐妹', 'avoidance', pa.how || '；' || x.how || '；' || pb.how, pa.p
        from kin_parent pa join kin_sibling x on x.a = pa.p join kin_parent pb on pb.p = x.b
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

-- household_paid_months(programmes, alone_words): what R07–R09 (a 低保 household with a member on the
-- payroll, owning a vehicle, running a business) start from, with their parameters: every month a
-- recipient of `programmes` was paid (net of corrections), once for each member of the recipient's
-- household, the recipient included even when absent from the register. Recipients insured alone
-- (a remark matching `alone_words`, e.g. 单独施保: the household's means do not count) are left out.
create or replace macro household_paid_months(programmes, alone_words) as table
with alone as (
    select distinct id_number from payments
    where programme in (select unnest(programmes))
      and regexp_matches(concat_ws(' ', sub_type, dibao_category, remark), alone_words)
), paid as (
    select id_number, programme, entitlement_month, sum(amount_yuan) as amount_yuan
    from paid_months
    where programme in (select unnest(programmes)) and id_number not in (select id_number from alone)
    group by all having sum(amount_yuan) > 0
), household as (
    select id_number, member_id_number, min(member_relation) as member_relation, bool_or(is_self) as is_self
    from (select id_number, member_id_number, member_relation, id_number = member_id_number as is_self from housemates
          union all
          select distinct id_number, id_number, '本人', true from paid)
    group by all
)
select p.id_number, p.programme, p.entitlement_month, p.amount_yuan, h.member_id_number, h.is_self,
       coalesce(case when h.is_self then '本人' end, '同户成员（与户主关系：' || h.member_relation || '）') as related_relation
from paid p join household h using (id_number);
