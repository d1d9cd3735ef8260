/*
id: R14
title: One bank account receives benefits of unrelated people, or a cadre's account receives another's benefit
name_zh: 收款账户异常
severity: high
rationale: >
  同一个银行账户收取了分属不同户、户籍中又没有亲属关系的多人的待遇（发放名册及补偿款发放中的收款账号）；
  或者村干部本人用来收款的账户，同时在收取别人的待遇。每个把待遇打进这种账户的受助人各列一条。
  账号按文本比较（16–19 位账号在 Excel 数值格式下同样会丢失精度，这样的账号在装载时已作废）。
  已排除的误报：配偶、父母子女等同户家庭成员或近亲属（户籍同户关系，或配偶、父亲、母亲身份证号关联）共用一个账户；
  敬老院、福利院等供养机构的账户统一收取集中供养人员的款项（账户的各笔款项都标明集中供养或机构代收，或开户行/备注写明机构）；
  发放明细备注写明监护人、代领人代收的（如智力、精神残疾人的监护人）。仍需人工排除：家庭社保卡。
basis: 社会救助资金社会化发放（一人一卡、本人账户）规定；审计署虚报冒领审计方法（多人共用账户）
verify: >
  向银行调取该账户的开户人信息和资金流水，核实实际控制人和取款人；核实是否有登记的代领人或监护关系。
subject: recipient
case_key: [subject_id_number, account_no]
amount_kind: at_stake      # amount_yuan: 打入共用账户的款项，是否冒领须核实
evidence: [subject_id_number, subject_name, county, township, village, programme, account_no, account_users,
           cadre_users, period_from, period_to, months, amount_yuan, severity, facts, evidence, source_rows]
labels: {programme: 打入该账户的待遇, account_no: 收款账号, account_users: 使用该账户的其他人, cadre_users: 其中的村干部,
         facts: 认定依据与缺失信息}
params: {institution_words: 敬老院|福利院|养老院|颐养院|供养中心|福利中心|光荣院|托养|护理院|集中供养,
         proxy_words: 监护人|监护|代领|代收|代管}
traps:
  - bullet: "family social-security cards"
    decision: 发放明细不注明所用卡是否为家庭社保卡，规则无法区分；不同户、户籍中无亲属关系的人共用一张卡照列为线索，核查提示写明向银行调取开户人信息，属家庭社保卡的由核查人员排除。
inputs: {required: [payments, persons], optional: [compensation_payouts, cadres]}
*/
with uses as not materialized (
    -- who was paid into each account, and what (read twice, never materialised: tens of millions of rows)
    select account_no, id_number, name, programme, entitlement_month, amount_yuan, source_file, sheet, row_no,
           concat_ws(' ', sub_type, dibao_category, bank, remark) as said
    from payments where account_no is not null
    union all
    select payee_account, coalesce(payee_id_number, id_number), payee_name, '补偿款', date_trunc('month', paid_on)::date,
           amount_paid_yuan, source_file, sheet, row_no, null
    from compensation_payouts where payee_account is not null
), users as (
    -- each user of an account, whether every row of theirs on it says an institution collects for them
    -- (集中供养, 敬老院…) and whether any says a guardian or proxy does (监护人代领)
    select account_no, id_number, min(name) as name,
           bool_and(coalesce(regexp_matches(said, $institution_words), false)) as via_institution,
           bool_or(coalesce(regexp_matches(said, $proxy_words), false)) as via_proxy
    from uses group by all
), shared_users as (
    select * from users
    where account_no in (select account_no from users group by all having count(distinct id_number) > 1)
      -- an institution's account: every user's money is marked as collected by it
      and account_no not in (select account_no from users group by all having bool_and(via_institution))
), unrelated as (
    -- pairs of users of one account who are neither housemates nor close relatives
    select a.account_no, a.id_number, b.id_number as other_id, b.name as other_name
    from shared_users a join shared_users b on a.account_no = b.account_no and a.id_number <> b.id_number
    where not a.via_proxy and not b.via_proxy
      and not exists (select 1 from housemates h where h.id_number = a.id_number and h.member_id_number = b.id_number)
      and not exists (select 1 from kin k where k.scope = 'civil'
                      and k.person_id_number in (select id_number from shared_users)
                      and k.relative_id_number = a.id_number and k.person_id_number = b.id_number)
), cadre_accounts as (
    -- accounts a cadre was paid into himself
    select distinct u.account_no, c.id_number as cadre_id, c.name || '（' || c.post || '）' as cadre
    from users u join cadres c on c.id_number = u.id_number
), flagged as (
    -- each user of such an account; a cadre among the others makes it high
    select x.account_no, x.id_number, string_agg(distinct x.other_name || '（' || x.other_id || '）', '、' order by x.other_name || '（' || x.other_id || '）') as others,
           string_agg(distinct ca.cadre, '、' order by ca.cadre) as cadre
    from unrelated x
    left join cadre_accounts ca on ca.account_no = x.account_no and ca.cadre_id <> x.id_number
    group by all
), money as (
    select u.account_no, u.id_number, string_agg(distinct u.programme, '、' order by u.programme) as programmes,
           min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(distinct entitlement_month) as months, sum(amount_yuan) as amount_yuan,
           string_agg(distinct qf_row_ref(source_file, sheet, row_no),
                      '；' order by qf_row_ref(source_file, sheet, row_no))
               as rows
    from uses u join flagged f using (account_no, id_number)
    group by all
), who as (
    select id_number, arg_max(name, (entitlement_month, name, county, township, village)) as name, arg_max(county, (entitlement_month, name, county, township, village)) as county,
           arg_max(township, (entitlement_month, name, county, township, village)) as township, arg_max(village, (entitlement_month, name, county, township, village)) as village
    from payments where id_number in (select id_number from flagged) group by all
)
select f.id_number as subject_id_number, coalesce(w.name, u.name) as subject_name, w.county, w.township, w.village,
       m.programmes as programme, f.account_no, f.others as account_users, f.cadre as cadre_users,
       m.period_from, m.period_to, m.months, m.amount_yuan,
       case when f.cadre is not null then 'high' else 'medium' end as severity,
       '据以认定：发放明细的收款账号相同；户籍中两人不同户，配偶、父母身份证号和同户关系均无亲属关联；'
           || '发放明细未注明机构代收或监护人代领' || coalesce('；村干部名单：' || f.cadre, '')
           || '；缺少：银行开户人信息' as facts,
       format('{}（{}）的{}打入账户{}，该账户还收取了与其不同户、户籍中无亲属关系的{}的款项{}；所属期{}至{}共{}个月，合计{}元。',
              coalesce(w.name, u.name), f.id_number, m.programmes, f.account_no, f.others,
              coalesce('，其中有村干部' || f.cadre || '本人的款项', ''),
              qf_month_zh(m.period_from), qf_month_zh(m.period_to), m.months,
              qf_yuan(m.amount_yuan)) as evidence,
       m.rows as source_rows
from flagged f
join money m using (account_no, id_number)
join users u using (account_no, id_number)
left join who w using (id_number)
order by severity, m.amount_yuan desc, subject_id_number
