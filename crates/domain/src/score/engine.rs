//! Scoring an execution report: every item per period, the period totals, and the project's mean.
//!
//! rules.md §5: a project's score is the mean of its periods' scores; a period that was not held scores
//! 0 on every item and still counts. The mean is kept in tenths and rounded half up in integers.

use std::collections::BTreeMap;

use serde::Serialize;

use super::items::{self, Item, Scored};
use super::report::{ExecutionReport, Period};
use crate::org::Delivery;
use crate::tenths::tenths_type;

tenths_type!(
    /// A project's score (得分) in tenths of a point, written `"92.5"`.
    Score,
    "得分"
);

/// The score of a report. Serialises exactly as formats.md says, plus `explanations` per period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScoreOutput {
    #[serde(skip)]
    pub project_number: String,
    #[serde(skip)]
    pub delivery: Delivery,
    pub periods: Vec<PeriodScore>,
    /// The mean of the period totals, one decimal, rounded half up (`"0.0"` for a report with no period).
    pub score: Score,
}

/// One period's points per item (every item of the delivery), its total and the reasons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodScore {
    #[serde(skip)]
    pub held: bool,
    pub items: BTreeMap<Item, u32>,
    pub total: u32,
    /// Item → why it got its points (Chinese).
    pub explanations: BTreeMap<Item, String>,
}

impl PeriodScore {
    pub fn points(&self, item: Item) -> Option<u32> {
        self.items.get(&item).copied()
    }
}

/// Scores every period of a report and their mean (rules.md §5).
pub fn evaluate(report: &ExecutionReport) -> ScoreOutput {
    let periods: Vec<PeriodScore> = report.periods.iter().map(|p| score_period(report, p)).collect();
    let totals: Vec<u32> = periods.iter().map(|p| p.total).collect();
    ScoreOutput {
        project_number: report.project_number.clone(),
        delivery: report.delivery,
        periods,
        score: mean(&totals),
    }
}

/// The mean of period totals in tenths, rounded half up: ⌊(20·Σ + n) ÷ 2n⌋ = round(10·Σ ÷ n).
/// A report with no period scores 0 (there is nothing held to credit).
pub fn mean(totals: &[u32]) -> Score {
    let n = totals.len() as u64;
    if n == 0 {
        return Score::ZERO;
    }
    let sum: u64 = totals.iter().map(|&t| u64::from(t)).sum();
    let tenths = (20 * sum + n) / (2 * n);
    Score::from_tenths(i64::try_from(tenths).unwrap_or(i64::MAX))
}

fn score_period(report: &ExecutionReport, period: &Period) -> PeriodScore {
    let delivery = report.delivery;
    let mut items = BTreeMap::new();
    let mut explanations = BTreeMap::new();
    for item in Item::for_delivery(delivery) {
        let Scored { points, explanation } =
            if period.held { score_item(item, report, period) } else { items::not_held() };
        items.insert(item, points);
        explanations.insert(item, explanation);
    }
    PeriodScore { held: period.held, total: items.values().sum(), items, explanations }
}

fn score_item(item: Item, report: &ExecutionReport, period: &Period) -> Scored {
    let delivery = report.delivery;
    let plan = &report.plan;
    match item {
        Item::FilingLeadTime => items::filing_lead_time(period.filed_on, period.start),
        Item::ReportDelay => items::report_delay(period.reported_on, period.end),
        Item::UploadCycle => items::upload_cycle(period.upload_cycle_months),
        Item::DatesHeld => {
            items::dates_held(period.planned.as_ref().map(|p| (p.start, p.end)), period.start, period.end)
        }
        Item::PlaceHeld => items::place_held(
            period.planned.as_ref().map(|p| p.place.as_str()),
            period.place.as_deref(),
            period.scenic_area,
        ),
        Item::FormHeld => items::form_held(period.form_change),
        Item::DurationChange => match delivery {
            Delivery::FaceToFace => {
                items::duration_change(delivery, plan.days.map(|d| d.tenths()), period.days.map(|d| d.tenths()))
            }
            Delivery::Remote => {
                items::duration_change(delivery, plan.hours.map(|h| h.tenths()), period.hours.map(|h| h.tenths()))
            }
        },
        Item::LeaderTaught => items::leader_taught(&plan.leader, &period.teachers),
        Item::TeachersChanged => items::teachers_changed(&plan.teachers, &period.teachers),
        Item::Courseware => items::courseware(period.courseware),
        Item::OutOfProvinceShare => {
            let reference = match delivery {
                Delivery::FaceToFace => period.province.as_deref(),
                Delivery::Remote => Some(report.applicant_province.as_str()),
            };
            items::out_of_province_share(delivery, reference, &period.learners_by_province)
        }
        Item::ProvinceCount => items::province_count(&period.learners_by_province),
        Item::Satisfaction => items::satisfaction(period.survey.as_ref()),
    }
}
