"""One synthetic world, at every size: the committed sample (data/sample/generate.py, a few hundred people
built row by row in Python) and the benchmark city (bench/generate.py, millions of people built in DuckDB)
are two users of this package.

- ids: ID numbers (GB 11643), credit codes (GB 32100), bank cards, plates; the same check characters in
  Python and in the city's SQL macros.
- programmes: the programmes' names, as the departments' files and the rules write them.
- key: the answer key (planted.csv: cases a rule must find and traps it must not flag; planted_rows.csv: the
  loader's special rows): one row format, one writer, one reader and one matching of a case to a planted row.
- files: the departments' file habits (title rows, merged headers, 合计 rows, footers; xlsx, legacy .xls,
  CSV in UTF-8, BOM or GBK) as one sheet model (Grid) and one writer per format, byte-reproducible.
- scenarios: every rule's planted cases and traps, written once against a protocol of verbs (people,
  households, payments, deaths, moves, cadres' posts, businesses, land, certificates …, the calendar as month
  indexes) that both worlds implement: the city's Plant and the sample's SampleWorld.
- dialects: the sample rewritten in other offices' wordings (recognition's generalisation test).
"""
