//! Pure helpers of the `redis` probe: reading `INFO` text, turning counters
//! into per-interval deltas, and judging whether a reply is a number. No
//! connections here, so all of it is unit-tested without a server.

use std::collections::HashMap;

use redis::Value;

/// `INFO` output (`key:value` lines under `# Section` headers) as a map.
pub fn parse_info(text: &str) -> HashMap<&str, &str> {
    text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).filter_map(|line| line.split_once(':')).collect()
}

/// A numeric `INFO` field.
pub fn info_number(info: &HashMap<&str, &str>, key: &str) -> Result<f64, String> {
    let raw = info.get(key).ok_or_else(|| format!("INFO has no {key}"))?;
    raw.trim().parse::<f64>().map_err(|_| format!("INFO {key} was \"{raw}\", expected a number"))
}

/// `memory_used_ratio` and the limit it was computed against. With no
/// `maxmemory` set (0), Redis may grow until the machine runs out, so the
/// machine's memory (`total_system_memory`) is the limit.
pub fn memory_ratio(info: &HashMap<&str, &str>) -> Result<(f64, f64, f64), String> {
    let used = info_number(info, "used_memory")?;
    let max = info_number(info, "maxmemory")?;
    let limit = if max > 0.0 { max } else { info_number(info, "total_system_memory")? };
    if limit <= 0.0 {
        return Err("maxmemory is 0 and total_system_memory is unknown".into());
    }
    Ok((used / limit, used, limit))
}

/// A counter's previous value, for deltas between consecutive probes.
/// A counter that went down was reset (restart, `CONFIG RESETSTAT`): its
/// delta is then its current value.
fn delta(previous: Option<f64>, now: f64) -> Option<f64> {
    previous.map(|p| if now >= p { now - p } else { now })
}

/// Keyspace hit ratio over the interval since the previous probe.
///
/// The first probe has no previous counters and reports the ratio since the
/// server started. An interval with no lookups keeps the previous ratio (an
/// idle cache is not a failing one); with no lookups ever, the ratio is 1.0.
#[derive(Debug, Default, Clone)]
pub struct HitRatio {
    last: Option<(f64, f64)>,
    ratio: Option<f64>,
}

impl HitRatio {
    /// Records the current counters; returns the ratio and the number of
    /// lookups it is based on.
    pub fn update(&mut self, hits: f64, misses: f64) -> (f64, f64) {
        let dh = delta(self.last.map(|l| l.0), hits).unwrap_or(hits);
        let dm = delta(self.last.map(|l| l.1), misses).unwrap_or(misses);
        self.last = Some((hits, misses));
        let lookups = dh + dm;
        let ratio = if lookups > 0.0 { dh / lookups } else { self.ratio.unwrap_or(1.0) };
        self.ratio = Some(ratio);
        (ratio, lookups)
    }
}

/// Keys evicted since the previous probe (0 on the first probe).
#[derive(Debug, Default, Clone)]
pub struct Evictions {
    last: Option<f64>,
}

impl Evictions {
    pub fn update(&mut self, evicted_keys: f64) -> f64 {
        let d = delta(self.last, evicted_keys).unwrap_or(0.0);
        self.last = Some(evicted_keys);
        d
    }
}

/// A reply as a number: integers, doubles, booleans, and strings holding a
/// number (Redis returns `INCRBYFLOAT` and `ZSCORE` results as strings).
pub fn reply_number(value: &Value) -> Result<f64, String> {
    let text = match value {
        Value::Int(i) => return Ok(*i as f64),
        Value::Double(d) if !d.is_nan() => return Ok(*d),
        Value::Boolean(b) => return Ok(if *b { 1.0 } else { 0.0 }),
        Value::Attribute { data, .. } => return reply_number(data),
        Value::Double(_) => "nan".to_string(),
        Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::VerbatimString { text, .. } => text.clone(),
        Value::Okay => "OK".into(),
        Value::Nil => return Err("reply was nil, expected a number".into()),
        Value::Array(_) => return Err("reply was an array, expected a number".into()),
        Value::Set(_) => return Err("reply was a set, expected a number".into()),
        Value::Map(_) => return Err("reply was a map, expected a number".into()),
        Value::Push { .. } => return Err("reply was a push message, expected a number".into()),
        Value::ServerError(e) => return Err(e.to_string()),
        _ => return Err("reply was not a number".into()),
    };
    match text.trim().parse::<f64>() {
        Ok(v) if !v.is_nan() => Ok(v),
        _ => Err(format!("reply was \"{}\", expected a number", shorten(&text))),
    }
}

/// At most 40 characters of a reply, for reasons.
fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(40).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_is_parsed() {
        let text = "# Memory\r\nused_memory:1000\r\nmaxmemory:0\r\ntotal_system_memory:4000\r\n\r\n# Stats\r\nkeyspace_hits:7\r\n";
        let info = parse_info(text);
        assert_eq!(info_number(&info, "keyspace_hits"), Ok(7.0));
        assert_eq!(memory_ratio(&info), Ok((0.25, 1000.0, 4000.0)));
        let capped = parse_info("used_memory:50\nmaxmemory:100\ntotal_system_memory:4000\n");
        assert_eq!(memory_ratio(&capped), Ok((0.5, 50.0, 100.0)));
        assert_eq!(info_number(&info, "nope").unwrap_err(), "INFO has no nope");
    }

    #[test]
    fn hit_ratio_comes_from_deltas() {
        let mut h = HitRatio::default();
        assert_eq!(h.update(0.0, 0.0), (1.0, 0.0), "never a lookup");
        assert_eq!(h.update(30.0, 10.0), (0.75, 40.0));
        assert_eq!(h.update(30.0, 10.0), (0.75, 0.0), "idle keeps the ratio");
        assert_eq!(h.update(30.0, 20.0), (0.0, 10.0), "only misses since");
        assert_eq!(h.update(5.0, 0.0), (1.0, 5.0), "reset counters");
        let mut first = HitRatio::default();
        assert_eq!(first.update(90.0, 10.0), (0.9, 100.0), "since start");
    }

    #[test]
    fn evictions_are_deltas() {
        let mut e = Evictions::default();
        assert_eq!(e.update(100.0), 0.0);
        assert_eq!(e.update(104.0), 4.0);
        assert_eq!(e.update(2.0), 2.0, "reset counters");
    }

    #[test]
    fn replies_as_numbers() {
        assert_eq!(reply_number(&Value::Int(3)), Ok(3.0));
        assert_eq!(reply_number(&Value::Double(1.5)), Ok(1.5));
        assert_eq!(reply_number(&Value::BulkString(b"10.5".to_vec())), Ok(10.5));
        assert_eq!(reply_number(&Value::SimpleString("-inf".into())), Ok(f64::NEG_INFINITY));
        assert_eq!(reply_number(&Value::BulkString(b"abc".to_vec())).unwrap_err(), "reply was \"abc\", expected a number");
        assert_eq!(reply_number(&Value::Nil).unwrap_err(), "reply was nil, expected a number");
        assert_eq!(reply_number(&Value::Okay).unwrap_err(), "reply was \"OK\", expected a number");
        let long = Value::BulkString(vec![b'x'; 100]);
        assert!(reply_number(&long).unwrap_err().contains("xxx…\""));
    }
}
