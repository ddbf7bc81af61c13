//! The standard `process_*` metrics of the Prometheus client libraries, read from
//! `/proc/self` at each scrape (Linux only): resident and virtual memory, CPU seconds, open
//! and maximum file descriptors, start time.
//!
//! They carry the names and meanings every other exporter uses, so existing dashboards and
//! alerts work unchanged. A file of `/proc` that cannot be read (no procfs mounted, a
//! sandbox hiding it) leaves its metrics out of that scrape rather than failing it.

use procfs::process::{LimitValue, Process};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeCounterValue, EncodeGaugeValue, EncodeMetric,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Unit;

/// Reads this process's figures at every scrape; registered by [`super::Metrics::new`].
#[derive(Debug)]
pub(super) struct ProcessCollector;

/// What `/proc/self` told at one scrape; `None` where its file could not be read.
#[derive(Debug, Default, PartialEq)]
struct ProcessSample {
    resident_memory_bytes: Option<u64>,
    virtual_memory_bytes: Option<u64>,
    cpu_seconds: Option<f64>,
    start_time_seconds: Option<f64>,
    open_fds: Option<u64>,
    /// The soft limit, which is the one `open` fails at; absent when unlimited.
    max_fds: Option<u64>,
}

impl ProcessSample {
    fn read() -> Self {
        let Ok(process) = Process::myself() else {
            return ProcessSample::default();
        };
        let mut sample = ProcessSample::default();
        if let Ok(stat) = process.stat() {
            let ticks_per_second = procfs::ticks_per_second() as f64;
            sample.resident_memory_bytes = Some(stat.rss.saturating_mul(procfs::page_size()));
            sample.virtual_memory_bytes = Some(stat.vsize);
            sample.cpu_seconds = Some((stat.utime + stat.stime) as f64 / ticks_per_second);
            // The kernel counts the start in ticks since boot; the boot time is in
            // /proc/stat.
            sample.start_time_seconds = procfs::boot_time_secs()
                .ok()
                .map(|boot| boot as f64 + stat.starttime as f64 / ticks_per_second);
        }
        sample.open_fds = process.fd_count().ok().map(|count| count as u64);
        sample.max_fds =
            process
                .limits()
                .ok()
                .and_then(|limits| match limits.max_open_files.soft_limit {
                    LimitValue::Value(limit) => Some(limit),
                    LimitValue::Unlimited => None,
                });
        sample
    }
}

fn encode_gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    value: impl EncodeGaugeValue,
) -> Result<(), std::fmt::Error> {
    let metric_encoder = encoder.encode_descriptor(name, help, unit, MetricType::Gauge)?;
    ConstGauge::new(value).encode(metric_encoder)
}

fn encode_counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    value: impl EncodeCounterValue,
) -> Result<(), std::fmt::Error> {
    let metric_encoder = encoder.encode_descriptor(name, help, unit, MetricType::Counter)?;
    ConstCounter::new(value).encode(metric_encoder)
}

impl Collector for ProcessCollector {
    /// Names are given without the unit and `_total` suffixes, which the encoder appends
    /// (`process_cpu` + seconds + total = `process_cpu_seconds_total`); help texts are
    /// written whole, since a collector's are not finished by the registry.
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let sample = ProcessSample::read();
        if let Some(cpu_seconds) = sample.cpu_seconds {
            encode_counter(
                &mut encoder,
                "process_cpu",
                "Total user and system CPU time spent in seconds.",
                Some(&Unit::Seconds),
                cpu_seconds,
            )?;
        }
        if let Some(bytes) = sample.resident_memory_bytes {
            encode_gauge(
                &mut encoder,
                "process_resident_memory",
                "Resident memory size in bytes.",
                Some(&Unit::Bytes),
                bytes,
            )?;
        }
        if let Some(bytes) = sample.virtual_memory_bytes {
            encode_gauge(
                &mut encoder,
                "process_virtual_memory",
                "Virtual memory size in bytes.",
                Some(&Unit::Bytes),
                bytes,
            )?;
        }
        if let Some(seconds) = sample.start_time_seconds {
            encode_gauge(
                &mut encoder,
                "process_start_time",
                "Start time of the process since unix epoch in seconds.",
                Some(&Unit::Seconds),
                seconds,
            )?;
        }
        if let Some(count) = sample.open_fds {
            encode_gauge(
                &mut encoder,
                "process_open_fds",
                "Number of open file descriptors.",
                None,
                count,
            )?;
        }
        if let Some(limit) = sample.max_fds {
            encode_gauge(
                &mut encoder,
                "process_max_fds",
                "Maximum number of open file descriptors.",
                None,
                limit,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_reads_as_plausible() {
        let sample = ProcessSample::read();
        let resident = sample.resident_memory_bytes.expect("resident memory");
        let virtual_size = sample.virtual_memory_bytes.expect("virtual memory");
        assert!(resident > 0 && virtual_size >= resident, "{sample:?}");
        let open = sample.open_fds.expect("open descriptors");
        // stdin, stdout and stderr at least.
        assert!(open >= 3, "{sample:?}");
        if let Some(limit) = sample.max_fds {
            assert!(limit >= open, "{sample:?}");
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("a clock after 1970")
            .as_secs_f64();
        let started = sample.start_time_seconds.expect("a start time");
        assert!(
            started <= now + 1.0 && started > now - 86_400.0,
            "{sample:?}"
        );
        assert!(sample.cpu_seconds.expect("CPU time") >= 0.0);
    }
}
