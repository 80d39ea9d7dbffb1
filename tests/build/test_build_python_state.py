"""A Python source that does what a dashboard never needs to (raise KeyboardInterrupt
itself, wreck its interpreter's sys.modules) is an error of that source, with its file:
never "internal error" (which says dashgen has a bug), and never a crash of the build."""

from __future__ import annotations

from build_support import Project, assert_no_traceback


def test_a_keyboard_interrupt_the_source_raises_is_its_error_at_its_line(project: Project) -> None:
    project.write("dashboards/stop.dashboard.py", "x = 1\nraise KeyboardInterrupt('stop')\n")
    result = project.cli("build")
    assert result.exit_code == 1, result.output
    assert "dashboards/stop.dashboard.py:2: error: KeyboardInterrupt: stop" in result.output
    assert "internal error" not in result.output
    assert_no_traceback(result.output)


def test_a_source_that_clears_sys_modules_is_its_error_and_its_print_is_kept(
    project: Project,
) -> None:
    project.write(
        "dashboards/wreck.dashboard.py",
        "import sys\nprint('said before')\nsys.modules.clear()\n"
        "dashboard = {'title': 'w', 'uid': 'w', 'panels': []}\n",
    )
    result = project.cli("build")
    assert result.exit_code == 1, result.output
    assert "dashboards/wreck.dashboard.py: error: its result cannot be sent back" in result.output
    assert "said before" in result.output
    assert "internal error" not in result.output
    assert_no_traceback(result.output)
