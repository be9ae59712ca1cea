"""Time-to-event analyses: optimised cut-off, Kaplan–Meier, Cox models, competing risks.

Each module mirrors one R reference implementation (maxstat/survminer, survival::survdiff
and coxph, cmprsk::cuminc) closely enough that tests compare the numbers with R itself.
"""
