"""Node overview: one Linux host as node_exporter sees it (CPU, memory, disk, network, load)."""

from grafanalib.core import Dashboard, Templating, Time
from lib.layout import stack
from lib.panels import GREEN_AMBER_RED, row, stat, timeseries
from lib.prometheus import datasource_variable, label_values_variable, target, targets

HOST = 'instance="$instance", job="$job"'
REAL_FS = f'fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs", {HOST}'
REAL_NIC = f'device!~"lo|veth.*|docker.*|br-.*|cali.*|flannel.*|cni.*", {HOST}'


def m(metric: str, selector: str = HOST) -> str:
    """``metric{selector}``: an instant vector for the selected host."""
    return f"{metric}{{{selector}}}"


def rate(metric: str, selector: str = HOST) -> str:
    return f"rate({m(metric, selector)}[$__rate_interval])"


IDLE = f'mode="idle", {HOST}'
NOT_IDLE = f'mode!="idle", {HOST}'
CORES = f"count({m('node_cpu_seconds_total', IDLE)})"
CPU_BUSY = f"1 - avg({rate('node_cpu_seconds_total', IDLE)})"
MEM_USED = f"1 - {m('node_memory_MemAvailable_bytes')} / {m('node_memory_MemTotal_bytes')}"
ROOT_FS = f'mountpoint="/", fstype!="rootfs", {HOST}'


def used_ratio(free: str, total: str, selector: str) -> str:
    return f"1 - {m(free, selector)} / {m(total, selector)}"


overview = [
    (stat("Uptime", target(f"time() - {m('node_boot_time_seconds')}"), unit="s", decimals=1), 4, 4),
    (stat("CPU cores", target(CORES)), 4, 4),
    (stat("RAM total", target(m("node_memory_MemTotal_bytes")), unit="bytes"), 4, 4),
    (
        stat(
            "CPU busy",
            target(CPU_BUSY),
            unit="percentunit",
            thresholds=GREEN_AMBER_RED,
            graph=True,
            description="Share of CPU time not idle, all cores.",
        ),
        4,
        4,
    ),
    (
        stat(
            "Memory used",
            target(MEM_USED),
            unit="percentunit",
            thresholds=GREEN_AMBER_RED,
            graph=True,
            description="1 - MemAvailable / MemTotal.",
        ),
        4,
        4,
    ),
    (
        stat(
            "Root FS used",
            target(
                used_ratio("node_filesystem_avail_bytes", "node_filesystem_size_bytes", ROOT_FS)
            ),
            unit="percentunit",
            thresholds=GREEN_AMBER_RED,
        ),
        4,
        4,
    ),
]

cpu_by_mode = timeseries(
    "CPU usage by mode",
    [
        target(
            f"sum by (mode) ({rate('node_cpu_seconds_total', NOT_IDLE)}) / scalar({CORES})",
            "{{mode}}",
        )
    ],
    unit="percentunit",
    stacked=True,
    fill=40,
    min_value=0,
    max_value=1,
)
load = timeseries(
    "Load average",
    targets(
        (m("node_load1"), "1m"),
        (m("node_load5"), "5m"),
        (m("node_load15"), "15m"),
        (CORES, "cores"),
    ),
    description="Load above the core count means runnable tasks are waiting.",
    min_value=0,
)
switches = timeseries(
    "Context switches and interrupts",
    targets(
        (rate("node_context_switches_total"), "context switches"),
        (rate("node_intr_total"), "interrupts"),
    ),
    unit="ops",
)
cpu_pressure = timeseries(
    "CPU pressure (PSI)",
    [target(rate("node_pressure_cpu_waiting_seconds_total"), "waiting")],
    unit="percentunit",
    min_value=0,
    description="Share of time some task waited for a CPU (Linux 4.20+).",
)

memory_usage = timeseries(
    "Memory usage",
    targets(
        (f"{m('node_memory_MemTotal_bytes')} - {m('node_memory_MemAvailable_bytes')}", "used"),
        (m("node_memory_Buffers_bytes"), "buffers"),
        (m("node_memory_Cached_bytes"), "cached"),
        (m("node_memory_MemFree_bytes"), "free"),
    ),
    unit="bytes",
    stacked=True,
    fill=30,
    min_value=0,
)
swap = timeseries(
    "Swap and major page faults",
    targets(
        (f"{m('node_memory_SwapTotal_bytes')} - {m('node_memory_SwapFree_bytes')}", "swap used"),
        (rate("node_vmstat_pgmajfault"), "major faults/s"),
    ),
)

iops = timeseries(
    "Disk IOPS",
    targets(
        (rate("node_disk_reads_completed_total"), "{{device}} read"),
        (rate("node_disk_writes_completed_total"), "{{device}} write"),
    ),
    unit="iops",
)
throughput = timeseries(
    "Disk throughput",
    targets(
        (rate("node_disk_read_bytes_total"), "{{device}} read"),
        (rate("node_disk_written_bytes_total"), "{{device}} write"),
    ),
    unit="Bps",
)
io_busy = timeseries(
    "Disk I/O utilisation",
    [target(rate("node_disk_io_time_seconds_total"), "{{device}}")],
    unit="percentunit",
    min_value=0,
    max_value=1,
    description="Time the device was busy; near 100% means saturated.",
)
fs_space = timeseries(
    "Filesystem space used",
    [
        target(
            used_ratio("node_filesystem_avail_bytes", "node_filesystem_size_bytes", REAL_FS),
            "{{mountpoint}}",
        )
    ],
    unit="percentunit",
    min_value=0,
    max_value=1,
)
fs_inodes = timeseries(
    "Inodes used",
    [
        target(
            used_ratio("node_filesystem_files_free", "node_filesystem_files", REAL_FS),
            "{{mountpoint}}",
        )
    ],
    unit="percentunit",
    min_value=0,
    max_value=1,
)

traffic = timeseries(
    "Network traffic",
    targets(
        (f"{rate('node_network_receive_bytes_total', REAL_NIC)} * 8", "{{device}} rx"),
        (f"{rate('node_network_transmit_bytes_total', REAL_NIC)} * 8", "{{device}} tx"),
    ),
    unit="bps",
)
nic_errors = timeseries(
    "Network errors and drops",
    targets(
        (rate("node_network_receive_errs_total", REAL_NIC), "{{device}} rx errors"),
        (rate("node_network_transmit_errs_total", REAL_NIC), "{{device}} tx errors"),
        (rate("node_network_receive_drop_total", REAL_NIC), "{{device}} rx drops"),
        (rate("node_network_transmit_drop_total", REAL_NIC), "{{device}} tx drops"),
    ),
    unit="pps",
)
tcp_connections = timeseries(
    "TCP connections",
    targets(
        (m("node_netstat_Tcp_CurrEstab"), "established"),
        (m("node_sockstat_TCP_tw"), "time wait"),
    ),
)
retransmits = timeseries(
    "TCP retransmits",
    [target(rate("node_netstat_Tcp_RetransSegs"), "retransmitted segments")],
    unit="pps",
)

dashboard = Dashboard(
    title="Node overview",
    uid="node-overview",
    description="One Linux host through node_exporter: CPU, memory, disk, network and load.",
    tags=["node_exporter", "linux", "infrastructure"],
    timezone="browser",
    refresh="30s",
    time=Time("now-6h", "now"),
    graphTooltip=1,
    schemaVersion=39,
    templating=Templating(
        list=[
            datasource_variable(),
            label_values_variable("job", "label_values(node_uname_info, job)", label="Job"),
            label_values_variable(
                "instance", 'label_values(node_uname_info{job="$job"}, instance)', label="Instance"
            ),
        ]
    ),
    panels=stack(
        [
            (row("Overview"), overview),
            (
                row("CPU and load"),
                [(cpu_by_mode, 12, 8), (load, 12, 8), (switches, 12, 8), (cpu_pressure, 12, 8)],
            ),
            (row("Memory"), [(memory_usage, 12, 8), (swap, 12, 8)]),
            (
                row("Disk"),
                [
                    (iops, 8, 8),
                    (throughput, 8, 8),
                    (io_busy, 8, 8),
                    (fs_space, 12, 8),
                    (fs_inodes, 12, 8),
                ],
            ),
            (
                row("Network"),
                [
                    (traffic, 12, 8),
                    (nic_errors, 12, 8),
                    (tcp_connections, 12, 8),
                    (retransmits, 12, 8),
                ],
            ),
        ]
    ),
)
