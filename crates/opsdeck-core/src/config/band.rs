//! Bands: the target / acceptable / critical thresholds a check's value is
//! judged against, written as `"< 200"`, `">= 0.99"`, `"< 2s"`, `"> 80%"`.
//! Parsing, the ordering rules that keep a band meaningful, and the pure
//! classification of a value into a band level.

use std::fmt;

use serde::{Deserialize, Deserializer};

use super::units::{self, Unit};

/// A comparison in a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CmpOp {
    /// Splits a leading operator off `s`.
    pub fn split(s: &str) -> Option<(CmpOp, &str)> {
        for (tok, op) in [("<=", CmpOp::Le), (">=", CmpOp::Ge), ("==", CmpOp::Eq), ("!=", CmpOp::Ne), ("<", CmpOp::Lt), (">", CmpOp::Gt)] {
            if let Some(rest) = s.strip_prefix(tok) {
                return Some((op, rest));
            }
        }
        None
    }

    pub fn holds(self, lhs: f64, rhs: f64) -> bool {
        match self {
            CmpOp::Lt => lhs < rhs,
            CmpOp::Le => lhs <= rhs,
            CmpOp::Gt => lhs > rhs,
            CmpOp::Ge => lhs >= rhs,
            CmpOp::Eq => lhs == rhs,
            CmpOp::Ne => lhs != rhs,
        }
    }

    fn is_below(self) -> bool {
        matches!(self, CmpOp::Lt | CmpOp::Le)
    }

    fn is_above(self) -> bool {
        matches!(self, CmpOp::Gt | CmpOp::Ge)
    }
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        })
    }
}

/// One threshold: an operator, a number and an optional unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub op: CmpOp,
    pub value: f64,
    pub unit: Option<Unit>,
}

/// What a threshold must look like, used in every threshold error.
pub const BOUND_EXPECTED: &str = "expected an operator and a number, like \"< 200\", \">= 0.99\", \"< 2s\" or \"> 80%\"";

impl std::str::FromStr for Bound {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (op, rest) = CmpOp::split(s.trim()).ok_or_else(|| format!("threshold \"{s}\" has no operator; {BOUND_EXPECTED}"))?;
        let rest = rest.trim();
        let split = rest
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || c == '_' || ((c == '-' || c == '+') && i == 0) || c == 'e' && i > 0))
            .map_or(rest.len(), |(i, _)| i);
        let (number, unit) = rest.split_at(split);
        let value: f64 =
            number.replace('_', "").parse().map_err(|_| format!("threshold \"{s}\" has no number after `{op}`; {BOUND_EXPECTED}"))?;
        if !value.is_finite() {
            return Err(format!("threshold \"{s}\" is not a finite number; {BOUND_EXPECTED}"));
        }
        let unit = unit.trim();
        let unit = if unit.is_empty() {
            None
        } else {
            Some(Unit::parse(unit).ok_or_else(|| format!("unknown unit `{unit}` in \"{s}\"; expected one of {}", units::known_symbols()))?)
        };
        Ok(Bound { op, value, unit })
    }
}

impl<'de> Deserialize<'de> for Bound {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op, self.value)?;
        if let Some(u) = self.unit {
            write!(f, "{u}")?;
        }
        Ok(())
    }
}

impl Bound {
    /// The threshold expressed in `unit` (the unit of the check's value).
    pub fn value_in(&self, unit: Option<Unit>) -> Result<f64, String> {
        match (self.unit, unit) {
            (None, _) => Ok(self.value),
            (Some(from), Some(to)) => {
                from.convert(self.value, to).ok_or_else(|| format!("threshold `{self}` is in {from} but the value is measured in {to}"))
            }
            (Some(from), None) => Err(format!(
                "threshold `{self}` has a unit ({from}) but the value it judges has none; set `unit` on the check or drop the unit"
            )),
        }
    }
}

/// The thresholds of a check. At least one is set.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub target: Option<Bound>,
    pub acceptable: Option<Bound>,
    pub critical: Option<Bound>,
}

/// Which band a value falls in (before hysteresis and staleness).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BandLevel {
    Ok,
    Acceptable,
    Degraded,
    Critical,
}

/// A band with every threshold converted into the value's unit.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedBand {
    pub target: Option<(CmpOp, f64)>,
    pub acceptable: Option<(CmpOp, f64)>,
    pub critical: Option<(CmpOp, f64)>,
}

/// A problem with a band, naming which threshold it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct BandError {
    /// `target`, `acceptable` or `critical`; empty for the band as a whole.
    pub field: &'static str,
    pub message: String,
}

impl Band {
    fn fields(&self) -> [(&'static str, Option<&Bound>); 3] {
        [("target", self.target.as_ref()), ("acceptable", self.acceptable.as_ref()), ("critical", self.critical.as_ref())]
    }

    /// Converts every threshold into `unit` and checks that the band makes
    /// sense: thresholds point the same way and are in order.
    pub fn resolve(&self, unit: Option<Unit>) -> Result<ResolvedBand, Vec<BandError>> {
        let mut errors = Vec::new();
        let mut converted: [Option<(CmpOp, f64)>; 3] = [None; 3];
        for (slot, (field, bound)) in converted.iter_mut().zip(self.fields()) {
            if let Some(b) = bound {
                match b.value_in(unit) {
                    Ok(v) => *slot = Some((b.op, v)),
                    Err(message) => errors.push(BandError { field, message }),
                }
            }
        }
        if self.fields().iter().all(|(_, b)| b.is_none()) {
            errors.push(BandError { field: "", message: "empty band; expected at least one of `target`, `acceptable`, `critical`".into() });
        }
        if errors.is_empty() {
            errors.extend(order_errors(self, converted));
        }
        if errors.is_empty() {
            let [target, acceptable, critical] = converted;
            Ok(ResolvedBand { target, acceptable, critical })
        } else {
            Err(errors)
        }
    }
}

/// Ordering rules. With `target = "< 200"` lower is better, so acceptable must
/// also be an upper limit no tighter than the target, and critical a lower
/// limit no lower than acceptable; the mirror image holds for `> …` targets.
fn order_errors(band: &Band, conv: [Option<(CmpOp, f64)>; 3]) -> Vec<BandError> {
    let [t, a, c] = conv;
    let any_equality = conv.iter().flatten().any(|(op, _)| matches!(op, CmpOp::Eq | CmpOp::Ne));
    if any_equality {
        return Vec::new();
    }
    let good_is_below = match (t, a, c) {
        (Some((op, _)), _, _) | (None, Some((op, _)), _) => op.is_below(),
        (None, None, Some((op, _))) => op.is_above(),
        (None, None, None) => return Vec::new(),
    };
    let show = |field: &str| -> String {
        match field {
            "target" => band.target.as_ref(),
            "acceptable" => band.acceptable.as_ref(),
            _ => band.critical.as_ref(),
        }
        .map(|b| format!("\"{b}\""))
        .unwrap_or_default()
    };
    let direction = if good_is_below { "lower is better" } else { "higher is better" };
    let mut errors = Vec::new();
    for (field, bound, wants_below) in [("acceptable", a, good_is_below), ("critical", c, !good_is_below)] {
        if let Some((op, _)) = bound
            && op.is_below() != wants_below
        {
            let expected = if wants_below { "`<` or `<=`" } else { "`>` or `>=`" };
            errors.push(BandError {
                field,
                message: format!("{field} {} contradicts target {} ({direction}); expected {expected}", show(field), show("target")),
            });
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    // `tighter(x, y)`: threshold x is stricter than y in the good direction.
    let tighter = |x: f64, y: f64| if good_is_below { x < y } else { x > y };
    if let (Some((_, tv)), Some((_, av))) = (t, a)
        && tighter(av, tv)
    {
        errors.push(BandError {
            field: "acceptable",
            message: format!(
                "acceptable {} is stricter than target {}; expected bands in order target, acceptable, critical ({direction})",
                show("acceptable"),
                show("target")
            ),
        });
    }
    let loosest_good = a.or(t);
    if let (Some((_, gv)), Some((_, cv))) = (loosest_good, c)
        && tighter(cv, gv)
    {
        let other = if a.is_some() { "acceptable" } else { "target" };
        errors.push(BandError {
            field: "critical",
            message: format!("critical {} overlaps {other} {}: a value between them would be both; expected bands in order target, acceptable, critical ({direction})", show("critical"), show(other)),
        });
    }
    errors
}

impl ResolvedBand {
    /// The band a value falls in: critical wins, then target, then acceptable;
    /// a value that meets none of them is degraded.
    pub fn classify(&self, value: f64) -> BandLevel {
        let hit = |b: Option<(CmpOp, f64)>| b.is_some_and(|(op, t)| op.holds(value, t));
        if hit(self.critical) {
            BandLevel::Critical
        } else if hit(self.target) || (self.target.is_none() && self.acceptable.is_none()) {
            BandLevel::Ok
        } else if hit(self.acceptable) {
            BandLevel::Acceptable
        } else {
            BandLevel::Degraded
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(t: Option<&str>, a: Option<&str>, c: Option<&str>) -> Band {
        Band { target: t.map(|s| s.parse().unwrap()), acceptable: a.map(|s| s.parse().unwrap()), critical: c.map(|s| s.parse().unwrap()) }
    }

    #[test]
    fn parses_thresholds_with_and_without_units() {
        let b: Bound = "< 200".parse().unwrap();
        assert_eq!((b.op, b.value, b.unit), (CmpOp::Lt, 200.0, None));
        let b: Bound = ">=0.99".parse().unwrap();
        assert_eq!((b.op, b.value), (CmpOp::Ge, 0.99));
        let b: Bound = "< 2s".parse().unwrap();
        assert_eq!(b.unit.map(|u| u.symbol), Some("s"));
        let b: Bound = "> 80 %".parse().unwrap();
        assert_eq!(b.unit.map(|u| u.symbol), Some("%"));
        let b: Bound = "> -5".parse().unwrap();
        assert_eq!(b.value, -5.0);
        let b: Bound = "< 1e3".parse().unwrap();
        assert_eq!(b.value, 1000.0);
    }

    #[test]
    fn rejects_malformed_thresholds() {
        assert!("200".parse::<Bound>().unwrap_err().contains("has no operator"));
        assert!("< fast".parse::<Bound>().unwrap_err().contains("has no number"));
        assert!("< 5 parsecs".parse::<Bound>().unwrap_err().contains("unknown unit `parsecs`"));
    }

    #[test]
    fn converts_units_into_the_value_unit() {
        let ms = Unit::parse("ms");
        let r = band(Some("< 200"), Some("< 1s"), Some("> 2s")).resolve(ms).unwrap();
        assert_eq!(r.acceptable, Some((CmpOp::Lt, 1000.0)));
        assert_eq!(r.critical, Some((CmpOp::Gt, 2000.0)));
        let errs = band(Some("< 80%"), None, None).resolve(ms).unwrap_err();
        assert_eq!(errs[0].field, "target");
        let errs = band(Some("< 2s"), None, None).resolve(None).unwrap_err();
        assert!(errs[0].message.contains("has a unit"), "{:?}", errs);
    }

    #[test]
    fn accepts_well_ordered_bands_both_ways() {
        assert!(band(Some("< 200"), Some("< 500"), Some("> 1000")).resolve(None).is_ok());
        assert!(band(Some(">= 0.999"), Some(">= 0.99"), Some("< 0.95")).resolve(None).is_ok());
        assert!(band(None, None, Some("> 5000")).resolve(None).is_ok());
        assert!(band(Some("== 1"), None, Some("== 0")).resolve(None).is_ok());
    }

    #[test]
    fn rejects_out_of_order_and_contradictory_bands() {
        let e = band(Some("< 500"), Some("< 200"), None).resolve(None).unwrap_err();
        assert_eq!(e[0].field, "acceptable");
        assert!(e[0].message.contains("stricter than target"), "{}", e[0].message);
        let e = band(Some("< 200"), Some("< 500"), Some("> 300")).resolve(None).unwrap_err();
        assert_eq!(e[0].field, "critical");
        assert!(e[0].message.contains("overlaps acceptable"), "{}", e[0].message);
        let e = band(Some("< 200"), None, Some("< 100")).resolve(None).unwrap_err();
        assert!(e[0].message.contains("contradicts target"), "{}", e[0].message);
        let e = Band::default().resolve(None).unwrap_err();
        assert!(e[0].message.starts_with("empty band"));
    }

    #[test]
    fn classifies_values() {
        let r = band(Some("< 200"), Some("< 500"), Some("> 1000")).resolve(None).unwrap();
        assert_eq!(r.classify(100.0), BandLevel::Ok);
        assert_eq!(r.classify(300.0), BandLevel::Acceptable);
        assert_eq!(r.classify(700.0), BandLevel::Degraded);
        assert_eq!(r.classify(1500.0), BandLevel::Critical);
        let only_critical = band(None, None, Some("> 5")).resolve(None).unwrap();
        assert_eq!(only_critical.classify(1.0), BandLevel::Ok);
        assert_eq!(only_critical.classify(6.0), BandLevel::Critical);
    }
}
