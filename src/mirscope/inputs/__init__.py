"""What the user supplies: the config (with kit presets), the sample sheet and the clinical
table. Each is read and validated here, once; every later layer receives typed values.

May import: ``errors``, ``io``.
"""
