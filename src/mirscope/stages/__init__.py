"""Stage orchestrators: files in, tables and figures out. The only place (with ``cli``)
where compute results meet ``plots`` and the file writers.

May import: every layer below it.
"""
