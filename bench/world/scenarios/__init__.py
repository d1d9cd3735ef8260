"""Every rule's planted cases and traps, written once for every synthetic world.

One function per rule (plant_r01 … plant_r18), each building `P.n` instances of each of its variants, cases
first and traps after, through the verbs of a world (protocol.py): the benchmark city (bench/generate.py,
`Plant`) and the committed sample (data/sample/generate.py, `SampleWorld`) both implement them. A kind of
case or trap that only one generator had before (the sample's 0/暂停 pension rows, its reversed overlap, its
namesake; the city's re-graded certificates …) is a variant here, so both worlds plant it.

Modules: deaths (R01, R02, R18), ledgers (R03, R04, R05, R13, R15), households (R07, R08, R09, R14), cadres
(R10, R11, R12), grants (R06, R16, R17).
"""

from bench.world.scenarios.cadres import plant_r10, plant_r11, plant_r12
from bench.world.scenarios.deaths import plant_r01, plant_r02, plant_r18
from bench.world.scenarios.grants import plant_r06, plant_r16, plant_r17
from bench.world.scenarios.households import plant_r07, plant_r08, plant_r09, plant_r14
from bench.world.scenarios.ledgers import plant_r03, plant_r04, plant_r05, plant_r13, plant_r15

PLANTERS = [plant_r01, plant_r02, plant_r03, plant_r04, plant_r05, plant_r06, plant_r07, plant_r08, plant_r09,
            plant_r10, plant_r11, plant_r12, plant_r13, plant_r14, plant_r15, plant_r16, plant_r17, plant_r18]
