"""Benchmarks: scripts that print tables (never timed unit tests); `synth` makes their projects."""
