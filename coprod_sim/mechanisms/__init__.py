"""The model's mechanisms: one module per submodel of docs/ODD.md section 7.

Each module is a set of functions with explicit inputs (the state, the parameters in force, a
random stream where the process draws) and names its ODD section and sources. The weekly order
in which ``CoProdModel.step`` calls them is the ODD's process overview (section 3).

| module | ODD submodel |
|---|---|
| ``training`` | 7.3 Training |
| ``peer_support`` | 7.4 Peer-support programme |
| ``access`` | 7.2 Accessibility investment, 7.5 Barriers, 7.9 Reasonable accommodations |
| ``deliberation`` | 7.6 The co-production meeting |
| ``review`` | 7.7 Co-produced review |
| ``attitudes`` | 7.8 Attitudes |
| ``wellbeing`` | 7.10 Wellbeing and burnout |
| ``people_flow`` | 7.11 Leaving, hiring and onset of disability |
| ``recruitment`` | 7.11 Leaving, hiring and onset of disability: who of a vacancy's candidates is hired |
| ``progression`` | 7.12 Careers |
| ``costs`` | 7.13 Running costs (and the cost ledger) |
| ``removal`` | 7.15 Co-production removes barriers |
| ``support`` | 7.16 Independent support for informed decisions |
| ``budget`` | 7.17 Resource transfer: a co-decided budget |
| ``service_users`` | 7.18 Service users |
| ``received_support`` | 7.14 Outputs: the support participants receive, read by the co-production level |

Levers and the timeline (7.1) are in :mod:`coprod_sim.timeline`; outputs (7.14) in
:mod:`coprod_sim.metrics`.
"""
