//! Tests of the evaluation score: every item's bands at and around each boundary, whole reports, the
//! mean's rounding, parsing errors, and properties (bounds, and that improving an input never lowers it).
//! (Long on purpose: every item's bands at each boundary, item by item, in the form's order.)

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

use super::items::{self, Ratio};
use super::*;
use crate::Hours;
use crate::document::parse;
use crate::org::Delivery;

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn learners(list: &[(&str, u32)]) -> BTreeMap<String, u32> {
    list.iter().map(|(p, n)| (p.to_string(), *n)).collect()
}

fn full_survey() -> Survey {
    Survey {
        q1: [90, 10, 0],
        q2: [10, 60, 30],
        q3: [80, 20, 0],
        q4: [70, 30, 0],
        q5: [60, 40, 0],
        q6: [50, 48, 2],
        q7: Some([40, 60, 50, 20, 30]),
        form: Some([60, 40, 0]),
    }
}

/// A face-to-face report whose single period earns every point.
fn face_to_face_full() -> ExecutionReport {
    ExecutionReport {
        project_number: "2025-03-07-012（国）".into(),
        delivery: Delivery::FaceToFace,
        applicant_province: "北京市".into(),
        plan: Plan {
            days: Some(Days::whole(3)),
            hours: Some(Hours::whole(30)),
            teachers: names(&["张三", "李四"]),
            leader: "张三".into(),
        },
        periods: vec![Period {
            held: true,
            planned: Some(PlannedPeriod {
                start: d("2025-05-10"),
                end: d("2025-05-12"),
                place: "北京国际会议中心".into(),
            }),
            filed_on: Some(d("2025-04-20")),
            start: Some(d("2025-05-10")),
            end: Some(d("2025-05-12")),
            place: Some("北京国际会议中心".into()),
            province: Some("北京市".into()),
            scenic_area: false,
            form_change: Some(FormChange::None),
            days: Some(Days::whole(3)),
            hours: Some(Hours::whole(30)),
            teachers: names(&["张三", "李四"]),
            reported_on: Some(d("2025-05-20")),
            learners_by_province: learners(&[
                ("北京市", 60),
                ("河北省", 30),
                ("天津市", 20),
                ("山东省", 20),
                ("河南省", 20),
                ("山西省", 10),
            ]),
            survey: Some(full_survey()),
            upload_cycle_months: None,
            courseware: None,
        }],
    }
}

/// A remote report whose single period earns every point.
fn remote_full() -> ExecutionReport {
    ExecutionReport {
        project_number: "2025-14-01-003（国）".into(),
        delivery: Delivery::Remote,
        applicant_province: "上海市".into(),
        plan: Plan {
            days: None,
            hours: Some(Hours::whole(10)),
            teachers: names(&["李四", "王五", "赵六"]),
            leader: "李四".into(),
        },
        periods: vec![Period {
            held: true,
            planned: None,
            filed_on: None,
            start: None,
            end: None,
            place: None,
            province: None,
            scenic_area: false,
            form_change: None,
            days: None,
            hours: Some(Hours::whole(10)),
            teachers: names(&["李四", "王五", "赵六"]),
            reported_on: None,
            learners_by_province: learners(&[
                ("上海市", 100),
                ("江苏省", 50),
                ("浙江省", 50),
                ("安徽省", 20),
                ("福建省", 20),
                ("江西省", 10),
            ]),
            survey: Some(full_survey()),
            upload_cycle_months: Some(1),
            courseware: Some(Courseware { no_seek: true, single_courseware: true, learning_state_check: true }),
        }],
    }
}

fn not_held() -> Period {
    let mut period = face_to_face_full().periods.remove(0);
    period.held = false;
    period
}

fn points(scored: Scored) -> u32 {
    scored.points
}

// ---------------------------------------------------------------------------------------------
// Items, band by band.

#[test]
fn filing_lead_time_bands() {
    let start = d("2025-05-15");
    let filed = |days: i64| items::filing_lead_time(Some(start - Duration::days(days)), Some(start));
    assert_eq!(points(filed(30)), 10);
    assert_eq!(points(filed(15)), 10);
    assert_eq!(points(filed(14)), 10);
    assert_eq!(points(filed(13)), 5);
    assert_eq!(points(filed(2)), 5);
    assert_eq!(points(filed(1)), 5);
    assert_eq!(points(filed(0)), 0);
    assert_eq!(points(filed(-1)), 0);
    assert_eq!(points(items::filing_lead_time(None, Some(start))), 0);
    assert_eq!(points(items::filing_lead_time(Some(start), None)), 0);
    assert_eq!(filed(14).explanation, "报备于2025-05-01，距开班14天（≥14天）：10分");
    assert_eq!(filed(13).explanation, "报备于2025-05-02，距开班13天（1～13天）：5分");
    assert_eq!(items::filing_lead_time(None, Some(start)).explanation, "未填写报备信息：0分");
}

#[test]
fn report_delay_bands() {
    let end = d("2025-05-12");
    let reported = |days: i64| items::report_delay(Some(end + Duration::days(days)), Some(end));
    assert_eq!(points(reported(-1)), 10);
    assert_eq!(points(reported(0)), 10);
    assert_eq!(points(reported(13)), 10);
    assert_eq!(points(reported(14)), 10);
    assert_eq!(points(reported(15)), 5);
    assert_eq!(points(reported(200)), 5);
    assert_eq!(points(items::report_delay(None, Some(end))), 0);
    assert_eq!(points(items::report_delay(Some(end), None)), 0);
    assert_eq!(reported(15).explanation, "执行情况填报于2025-05-27，结束后15天（>14天）：5分");
}

#[test]
fn upload_cycle_bands() {
    let cycle = |m| points(items::upload_cycle(Some(m)));
    assert_eq!(cycle(1), 15);
    assert_eq!(cycle(2), 10);
    assert_eq!(cycle(3), 5);
    assert_eq!(cycle(4), 3);
    assert_eq!(cycle(6), 3);
    assert_eq!(cycle(7), 0);
    assert_eq!(cycle(12), 0);
    assert_eq!(cycle(0), 0);
    assert_eq!(points(items::upload_cycle(None)), 0);
}

#[test]
fn dates_held_bands() {
    let plan = Some((d("2025-05-10"), d("2025-05-12")));
    let held = |s, e| points(items::dates_held(plan, Some(d(s)), Some(d(e))));
    assert_eq!(held("2025-05-10", "2025-05-12"), 5);
    assert_eq!(held("2025-05-11", "2025-05-12"), 3);
    assert_eq!(held("2025-05-10", "2025-05-13"), 3);
    assert_eq!(held("2025-06-10", "2025-06-12"), 3);
    assert_eq!(points(items::dates_held(plan, None, Some(d("2025-05-12")))), 0);
    assert_eq!(points(items::dates_held(None, Some(d("2025-05-10")), Some(d("2025-05-12")))), 0);
}

#[test]
fn place_held_bands() {
    let place = |planned, actual, scenic| points(items::place_held(planned, actual, scenic));
    assert_eq!(place(Some("会议中心"), Some("会议中心"), false), 5);
    assert_eq!(place(Some("会议中心"), Some(" 会议中心 "), false), 5);
    assert_eq!(place(Some("会议中心"), Some("某酒店"), false), 3);
    assert_eq!(place(Some("会议中心"), Some("会议中心"), true), 0);
    assert_eq!(place(Some("会议中心"), Some("某酒店"), true), 0);
    assert_eq!(place(Some("会议中心"), None, false), 0);
    assert_eq!(place(Some("会议中心"), Some(" "), false), 0);
    assert_eq!(place(None, Some("会议中心"), false), 0);
}

#[test]
fn form_held_bands() {
    assert_eq!(points(items::form_held(Some(FormChange::None))), 5);
    assert_eq!(points(items::form_held(Some(FormChange::Partial))), 3);
    assert_eq!(points(items::form_held(Some(FormChange::Full))), 0);
    assert_eq!(points(items::form_held(None)), 0);
}

#[test]
fn duration_change_bands() {
    // Planned 10 days: change = |actual − 10| ÷ 10.
    let days = |actual: i64| points(items::duration_change(Delivery::FaceToFace, Some(100), Some(actual)));
    assert_eq!(days(100), 5);
    assert_eq!(days(71), 5); // 29%
    assert_eq!(days(129), 5); // 29%
    assert_eq!(days(70), 3); // 30%
    assert_eq!(days(130), 3); // 30%
    assert_eq!(days(50), 3); // 50%
    assert_eq!(days(150), 3); // 50%
    assert_eq!(days(49), 0); // 51%
    assert_eq!(days(151), 0); // 51%
    assert_eq!(days(0), 0); // 100%
    // Planned 3 days: fractions that are not whole percentages.
    let three = |actual: i64| points(items::duration_change(Delivery::FaceToFace, Some(30), Some(actual)));
    assert_eq!(three(22), 5); // 26.7%
    assert_eq!(three(21), 3); // exactly 30%
    assert_eq!(three(20), 3); // 33.3%
    assert_eq!(three(45), 3); // exactly 50%
    assert_eq!(three(46), 0); // 53.3%
    // Remote: hours.
    let hours = items::duration_change(Delivery::Remote, Some(300), Some(200));
    assert_eq!(hours.points, 3);
    assert_eq!(hours.explanation, "实际20学时，计划30学时，变动约33.3%（30%～50%）：3分");
    // No base.
    assert_eq!(points(items::duration_change(Delivery::FaceToFace, Some(0), Some(0))), 0);
    assert_eq!(points(items::duration_change(Delivery::Remote, None, Some(100))), 0);
    assert_eq!(points(items::duration_change(Delivery::Remote, Some(100), None)), 0);
}

#[test]
fn leader_taught_bands() {
    let teachers = names(&["张三", " 李四 "]);
    assert_eq!(points(items::leader_taught("张三", &teachers)), 5);
    assert_eq!(points(items::leader_taught("李四", &teachers)), 5);
    assert_eq!(points(items::leader_taught("王五", &teachers)), 0);
    assert_eq!(points(items::leader_taught("", &names(&[""]))), 0);
    assert_eq!(points(items::leader_taught("张三", &[])), 0);
}

#[test]
fn teachers_changed_bands() {
    let planned: Vec<String> = (0..10).map(|i| format!("教师{i}")).collect();
    // `missing` of the 10 planned teachers did not teach; two others did.
    let changed = |missing: usize| {
        let mut actual: Vec<String> = planned[missing..].to_vec();
        actual.extend(names(&["替补甲", "替补乙"]));
        points(items::teachers_changed(&planned, &actual))
    };
    assert_eq!(changed(0), 5);
    assert_eq!(changed(2), 5); // 20%
    assert_eq!(changed(3), 3); // 30%
    assert_eq!(changed(5), 3); // 50%
    assert_eq!(changed(6), 0); // 60%
    assert_eq!(changed(10), 0);
    let seven: Vec<String> = (0..7).map(|i| format!("教师{i}")).collect();
    assert_eq!(points(items::teachers_changed(&seven, &seven[2..])), 5); // 28.6%
    assert_eq!(points(items::teachers_changed(&seven[..3], &seven[1..3])), 3); // 33.3%
    // A planned name listed twice counts once.
    let doubled = names(&["甲", "甲", "乙"]);
    assert_eq!(points(items::teachers_changed(&doubled, &names(&["甲"]))), 3); // 1 of 2
    assert_eq!(points(items::teachers_changed(&[], &names(&["甲"]))), 0);
    assert_eq!(
        items::teachers_changed(&names(&["甲", "乙"]), &names(&["甲"])).explanation,
        "计划授课教师2人，其中1人未授课（乙），变动50%（30%～50%）：3分"
    );
}

#[test]
fn courseware_bands() {
    let all = Courseware { no_seek: true, single_courseware: true, learning_state_check: true };
    assert_eq!(points(items::courseware(Some(all))), 20);
    for i in 0..3 {
        let mut c = all;
        match i {
            0 => c.no_seek = false,
            1 => c.single_courseware = false,
            _ => c.learning_state_check = false,
        }
        assert_eq!(points(items::courseware(Some(c))), 0);
    }
    assert_eq!(points(items::courseware(None)), 0);
}

#[test]
fn out_of_province_share_bands() {
    let share = |inside: u32, outside: u32| {
        points(items::out_of_province_share(
            Delivery::FaceToFace,
            Some("北京市"),
            &learners(&[("北京市", inside), ("河北省", outside)]),
        ))
    };
    assert_eq!(share(70, 30), 20); // 30%
    assert_eq!(share(71, 29), 10); // 29%
    assert_eq!(share(701, 299), 10); // 29.9%
    assert_eq!(share(700, 300), 20);
    assert_eq!(share(90, 10), 10); // 10%
    assert_eq!(share(91, 9), 0); // 9%
    assert_eq!(share(10, 1), 0); // 1/11 = 9.1%
    assert_eq!(share(9, 1), 10); // 1/10
    assert_eq!(share(5, 2), 10); // 28.6%
    assert_eq!(share(4, 2), 20); // 33.3%
    assert_eq!(share(0, 5), 20);
    assert_eq!(share(5, 0), 0);
    assert_eq!(share(0, 0), 0); // no learners
    // Short names are the same province; the reference may be written short too.
    let aliased = items::out_of_province_share(
        Delivery::FaceToFace,
        Some("北京"),
        &learners(&[("北京市", 50), ("北京", 20), ("天津", 30)]),
    );
    assert_eq!(aliased.points, 20);
    assert_eq!(aliased.explanation, "学员100人，举办地（北京市）以外省份30人，占30%（≥30%）：20分");
    assert_eq!(points(items::out_of_province_share(Delivery::FaceToFace, None, &learners(&[("河北省", 30)]))), 0);
}

#[test]
fn province_count_bands() {
    let all = ["北京市", "天津市", "河北省", "山西省", "辽宁省", "吉林省", "上海市"];
    let count = |n: usize| {
        let list: Vec<(&str, u32)> = all[..n].iter().map(|p| (*p, 3)).collect();
        points(items::province_count(&learners(&list)))
    };
    assert_eq!(count(0), 0);
    assert_eq!(count(1), 0);
    assert_eq!(count(2), 5);
    assert_eq!(count(3), 10);
    assert_eq!(count(5), 10);
    assert_eq!(count(6), 20);
    assert_eq!(count(7), 20);
    // Empty provinces do not count; aliases merge.
    let list = learners(&[("北京市", 5), ("北京", 5), ("天津市", 0), ("河北", 1)]);
    assert_eq!(points(items::province_count(&list)), 5);
}

/// A survey with `favourable` answers in the first option of question 1 and `other` in the third.
fn survey(favourable: u32, other: u32) -> Survey {
    Survey {
        q1: [favourable, 0, other],
        q2: [0, 0, 0],
        q3: [0, 0, 0],
        q4: [0, 0, 0],
        q5: [0, 0, 0],
        q6: [0, 0, 0],
        q7: None,
        form: None,
    }
}

#[test]
fn satisfaction_bands() {
    let sat = |favourable, other| points(items::satisfaction(Some(&survey(favourable, other))));
    assert_eq!(sat(100, 0), 10);
    assert_eq!(sat(95, 5), 10); // 95%
    assert_eq!(sat(949, 51), 7); // 94.9%
    assert_eq!(sat(94, 6), 7);
    assert_eq!(sat(80, 20), 7); // 80%
    assert_eq!(sat(799, 201), 5); // 79.9%
    assert_eq!(sat(70, 30), 5); // 70%
    assert_eq!(sat(699, 301), 3); // 69.9%
    assert_eq!(sat(0, 10), 3);
    assert_eq!(sat(19, 1), 10); // 95% exactly as 19/20
    assert_eq!(sat(18, 1), 7); // 18/19 = 94.7%
    assert_eq!(sat(0, 0), 0); // nobody answered
    assert_eq!(points(items::satisfaction(None)), 0);
}

#[test]
fn satisfaction_counts_questions_1_3_to_6_and_form_only() {
    let base = full_survey();
    let scored = items::satisfaction(Some(&base));
    assert_eq!(scored.points, 10);
    assert_eq!(
        scored.explanation,
        "第1、3、4、5、6题及项目形式共600人次作答，前两项（好评）598人次，满意度约99.7%（≥95%）：10分"
    );
    // Questions 2 and 7 are not scored, however they are answered.
    let mut other = base.clone();
    other.q2 = [0, 0, 1000];
    other.q7 = Some([0, 0, 0, 0, 1000]);
    assert_eq!(items::satisfaction(Some(&other)), scored);
    // The form question counts where present: 98 unfavourable answers to it drop the share to
    // 500 / 600 + ... = (598 − 100 + 2) / 600 = 83.3%.
    let mut form = base.clone();
    form.form = Some([0, 2, 98]);
    assert_eq!(points(items::satisfaction(Some(&form))), 7);
    form.form = None;
    assert_eq!(points(items::satisfaction(Some(&form))), 10);
    // Each of questions 1, 3, 4, 5 and 6 counts.
    for question in 0..5 {
        let mut s = base.clone();
        let q = match question {
            0 => &mut s.q1,
            1 => &mut s.q3,
            2 => &mut s.q4,
            3 => &mut s.q5,
            _ => &mut s.q6,
        };
        *q = [0, 0, 100];
        assert_eq!(points(items::satisfaction(Some(&s))), 7, "question {question}");
    }
}

#[test]
fn ratios_compare_exactly_and_print_honestly() {
    let r = Ratio::new(299, 1000).unwrap();
    assert_eq!(r.cmp_percent(30), Ordering::Less);
    assert_eq!(Ratio::new(3, 10).unwrap().cmp_percent(30), Ordering::Equal);
    assert_eq!(Ratio::new(1, 3).unwrap().cmp_percent(33), Ordering::Greater);
    assert_eq!(Ratio::new(1, 0), None);
    assert_eq!(Ratio::new(u64::MAX, u64::MAX).unwrap().cmp_percent(100), Ordering::Equal);
    assert_eq!(Ratio::new(3, 10).unwrap().percent_text(), "30%");
    assert_eq!(Ratio::new(1, 8).unwrap().percent_text(), "12.5%");
    assert_eq!(Ratio::new(1, 3).unwrap().percent_text(), "约33.3%");
    assert_eq!(Ratio::new(2, 3).unwrap().percent_text(), "约66.7%");
    assert_eq!(Ratio::new(0, 3).unwrap().percent_text(), "0%");
}

// ---------------------------------------------------------------------------------------------
// Whole reports.

#[test]
fn items_of_each_delivery_add_up_to_100() {
    for delivery in [Delivery::FaceToFace, Delivery::Remote] {
        let max: u32 = Item::for_delivery(delivery).map(Item::max_points).sum();
        assert_eq!(max, 100, "{delivery:?}");
    }
    assert_eq!(Item::for_delivery(Delivery::FaceToFace).count(), 11);
    assert_eq!(Item::for_delivery(Delivery::Remote).count(), 8);
    for item in Item::ALL {
        assert_eq!(Item::from_id(item.id()), Some(item));
    }
    let ids: Vec<&str> = Item::ALL.iter().map(|i| i.id()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "items are declared in id order");
}

#[test]
fn face_to_face_full_marks() {
    let output = evaluate(&face_to_face_full());
    assert_eq!(output.periods.len(), 1);
    let period = &output.periods[0];
    for item in Item::for_delivery(Delivery::FaceToFace) {
        assert_eq!(period.points(item), Some(item.max_points()), "{item}: {}", period.explanations[&item]);
    }
    assert_eq!(period.total, 100);
    assert_eq!(output.score.to_string(), "100.0");
    assert_eq!(period.explanations[&Item::FilingLeadTime], "报备于2025-04-20，距开班20天（≥14天）：10分");
}

#[test]
fn remote_full_marks() {
    let output = evaluate(&remote_full());
    let period = &output.periods[0];
    assert_eq!(period.items.len(), 8);
    for item in Item::for_delivery(Delivery::Remote) {
        assert_eq!(period.points(item), Some(item.max_points()), "{item}: {}", period.explanations[&item]);
    }
    assert_eq!(period.points(Item::FilingLeadTime), None);
    assert_eq!(period.total, 100);
    assert_eq!(output.score.to_string(), "100.0");
}

#[test]
fn remote_counts_learners_against_the_applicant_province() {
    let mut report = remote_full();
    report.periods[0].learners_by_province = learners(&[("上海市", 80), ("江苏省", 20)]);
    report.periods[0].province = Some("江苏省".into()); // ignored for remote
    let output = evaluate(&report);
    assert_eq!(output.periods[0].points(Item::OutOfProvinceShare), Some(10));
    assert_eq!(
        output.periods[0].explanations[&Item::OutOfProvinceShare],
        "学员100人，申办单位所在地（上海市）以外省份20人，占20%（10%至30%以下）：10分"
    );
    // Face-to-face counts against the venue, not the applicant.
    let mut face = face_to_face_full();
    face.applicant_province = "河北省".into();
    face.periods[0].learners_by_province = learners(&[("北京市", 80), ("河北省", 20)]);
    let output = evaluate(&face);
    assert_eq!(output.periods[0].points(Item::OutOfProvinceShare), Some(10));
}

#[test]
fn remote_period_missing_cycle_or_courseware_scores_zero_there() {
    let mut report = remote_full();
    report.periods[0].upload_cycle_months = None;
    report.periods[0].courseware = None;
    let output = evaluate(&report);
    let period = &output.periods[0];
    assert_eq!(period.points(Item::UploadCycle), Some(0));
    assert_eq!(period.points(Item::Courseware), Some(0));
    assert_eq!(period.total, 65);
    assert_eq!(period.explanations[&Item::UploadCycle], "未填写执行情况上传周期：0分");
}

#[test]
fn a_period_not_held_scores_zero_everywhere_and_counts_in_the_mean() {
    let mut report = face_to_face_full();
    report.periods.push(not_held());
    let output = evaluate(&report);
    let second = &output.periods[1];
    assert!(!second.held);
    assert_eq!(second.items.len(), 11);
    assert!(second.items.values().all(|&p| p == 0));
    assert!(second.explanations.values().all(|e| e == "本期未举办：0分"));
    assert_eq!(second.total, 0);
    assert_eq!(output.score.to_string(), "50.0");
}

#[test]
fn a_bare_held_period_scores_zero() {
    let json = r#"{"project_number":"x","delivery":"face_to_face","applicant_province":"北京市",
        "plan":{"teachers":[],"leader":""},"periods":[{"held":true},{"held":false}]}"#;
    let report: ExecutionReport = parse(json).unwrap();
    let output = evaluate(&report);
    assert_eq!(output.periods[0].total, 0);
    assert_eq!(output.score, Score::ZERO);
}

#[test]
fn means_round_half_up_in_tenths() {
    let m = |totals: &[u32]| mean(totals).to_string();
    assert_eq!(m(&[95]), "95.0");
    assert_eq!(m(&[95, 90]), "92.5");
    assert_eq!(m(&[95, 94]), "94.5");
    assert_eq!(m(&[100, 100, 99]), "99.7"); // 99.666…
    assert_eq!(m(&[100, 99, 99]), "99.3"); // 99.333…
    assert_eq!(m(&[95, 90, 88]), "91.0");
    assert_eq!(m(&[100, 95, 93, 93]), "95.3"); // 95.25 → up
    assert_eq!(m(&[100, 95, 93, 92]), "95.0");
    assert_eq!(m(&[1, 0, 0, 0]), "0.3"); // 0.25 → up
    assert_eq!(m(&[3, 0, 0, 0]), "0.8"); // 0.75 → up
    assert_eq!(m(&[100, 100, 100, 100, 100, 99]), "99.8"); // 99.833…
    assert_eq!(m(&[0, 0, 0, 0, 0, 1]), "0.2"); // 0.1666…
    assert_eq!(m(&[]), "0.0");
}

#[test]
fn multi_period_report_means_the_totals() {
    // Period 1: 100. Period 2: filed 13 days before (−5) and reported 15 days after (−5): 90.
    // Period 3: not held: 0. Period 4: as period 2 but the leader did not teach (−5): 85.
    let mut report = face_to_face_full();
    let mut second = report.periods[0].clone();
    second.filed_on = Some(d("2025-04-27"));
    second.reported_on = Some(d("2025-05-27"));
    let mut fourth = second.clone();
    fourth.teachers = names(&["李四", "王五"]);
    fourth.teachers.push("张 三".into());
    report.periods.extend([second, not_held(), fourth]);
    let output = evaluate(&report);
    let totals: Vec<u32> = output.periods.iter().map(|p| p.total).collect();
    // Period 4 also lost a planned teacher (张三 is not "张 三"): 1 of 2 = 50%: 3 instead of 5.
    assert_eq!(totals, vec![100, 90, 0, 83]);
    assert_eq!(output.score.to_string(), "68.3"); // 273 / 4 = 68.25 → 68.3
}

#[test]
fn json_output_has_exactly_the_formats_fields_plus_explanations() {
    let mut report = face_to_face_full();
    report.periods[0].reported_on = Some(d("2025-06-30"));
    let value = serde_json::to_value(evaluate(&report)).unwrap();
    let object = value.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["periods", "score"]);
    assert_eq!(value["score"], "95.0");
    let period = value["periods"][0].as_object().unwrap();
    assert_eq!(period.keys().collect::<Vec<_>>(), ["explanations", "items", "total"]);
    assert_eq!(value["periods"][0]["total"], 95);
    assert_eq!(value["periods"][0]["items"]["score.1.1.2"], 5);
    let ids: Vec<&String> = period["items"].as_object().unwrap().keys().collect();
    assert_eq!(
        ids,
        [
            "score.1.1.1",
            "score.1.1.2",
            "score.1.2.1",
            "score.1.2.2",
            "score.1.2.3",
            "score.1.2.4",
            "score.1.2.5",
            "score.1.2.6",
            "score.2.1.1",
            "score.2.1.2",
            "score.2.2.1"
        ]
    );
    assert_eq!(
        value["periods"][0]["explanations"]["score.1.1.2"],
        "执行情况填报于2025-06-30，结束后49天（>14天）：5分"
    );
    // The written order follows the struct (serde_json without preserve_order sorts keys above).
    let text = serde_json::to_string(&evaluate(&report)).unwrap();
    assert!(text.starts_with(r#"{"periods":[{"items":{"score.1.1.1":10,"score.1.1.2":5,"#));
    assert!(text.ends_with(r#"}],"score":"95.0"}"#));
}

#[test]
fn text_report_names_items_points_and_mean() {
    let mut report = face_to_face_full();
    report.periods.push(not_held());
    let text = render_text(&evaluate(&report));
    assert!(text.contains("项目 2025-03-07-012（国）（面授项目）执行情况评分"), "{text}");
    assert!(text.contains("第1期\n"));
    assert!(text.contains("第2期（未举办）\n"));
    assert!(
        text.contains("  1.1.1 举办前填写报备信息的时间：10/10分。报备于2025-04-20，距开班20天（≥14天）。\n"),
        "{text}"
    );
    assert!(text.contains("  2.1.1 举办地省外学员占比：20/20分。"));
    assert!(text.contains("  本期得分：100/100分\n"));
    assert!(text.contains("  本期得分：0/100分\n"));
    assert!(text.contains("项目得分（2期得分的平均值，保留一位小数，四舍五入）：50.0分"));
    let remote = render_text(&evaluate(&remote_full()));
    assert!(remote.contains("1.2.4 实际举办学时数：5/5分。"), "{remote}");
    assert!(remote.contains("1.2.7 视频学习（课件管理）：20/20分。"));
    assert!(!remote.contains("1.1.1"));
}

// ---------------------------------------------------------------------------------------------
// Parsing.

const MINIMAL: &str = r#"{
  "project_number": "2025-03-07-012（国）",
  "delivery": "face_to_face",
  "applicant_province": "北京市",
  "plan": { "days": 3, "hours": 30, "teachers": ["张三", "李四"], "leader": "张三" },
  "periods": [ {
    "held": true,
    "planned": { "start": "2025-05-10", "end": "2025-05-12", "place": "会议中心" },
    "filed_on": "2025-04-20",
    "start": "START", "end": "2025-05-12", "place": "会议中心", "province": "北京市",
    "scenic_area": false, "form_change": "none", "days": 3, "hours": 30,
    "teachers": ["张三", "王五"], "reported_on": null,
    "learners_by_province": { "北京市": 120, "河北省": 30 },
    "survey": { "q1": [80, 15, 5], "q2": [10, 60, 30], "q3": [50, 40, 10],
                "q4": [70, 25, 5], "q5": [60, 35, 5], "q6": [55, 40, 5], "form": [60, 35, 5] },
    "upload_cycle_months": null, "courseware": null
  } ]
}"#;

fn parse_error(text: &str) -> String {
    parse::<ExecutionReport>(text).unwrap_err().to_string()
}

#[test]
fn parses_the_formats_example() {
    let report: ExecutionReport = parse(&MINIMAL.replace("START", "2025-05-10")).unwrap();
    assert_eq!(report.plan.days, Some(Days::whole(3)));
    assert_eq!(report.periods[0].start, Some(d("2025-05-10")));
    assert_eq!(report.periods[0].reported_on, None);
    assert_eq!(report.periods[0].form_change, Some(FormChange::None));
    let output = evaluate(&report);
    // Not reported (−10), teachers 1 of 2 changed (−2), 30/150 = 20% outside (−10), 2 provinces
    // (−15), satisfaction (80+15+50+40+70+25+60+35+55+40+60+35)/600 = 565/600 = 94.2% (−3).
    assert_eq!(output.periods[0].total, 60);
    // Half days are allowed.
    let half: ExecutionReport = parse(
        &MINIMAL.replace("START", "2025-05-10").replace(r#""days": 3, "hours": 30,"#, r#""days": 2.5, "hours": 25,"#),
    )
    .unwrap();
    assert_eq!(half.periods[0].days, Some(Days::from_tenths(25)));
}

#[test]
fn parse_errors_name_the_field_path() {
    assert_eq!(parse_error(&MINIMAL.replace("START", "2025/05/10")), "periods[0].start: 日期格式应为 YYYY-MM-DD");
    assert_eq!(parse_error(&MINIMAL.replace("START", "2025-02-30")), "periods[0].start: 日期格式应为 YYYY-MM-DD");
    let ok = MINIMAL.replace("START", "2025-05-10");
    assert_eq!(
        parse_error(&ok.replace(r#""held": true,"#, r#""held": true, "venue": "x","#)),
        "periods[0].venue: 未知字段，文件中不应有此项"
    );
    assert_eq!(
        parse_error(&ok.replace(r#""project_number""#, r#""extra": 1, "project_number""#)),
        "extra: 未知字段，文件中不应有此项"
    );
    assert_eq!(
        parse_error(&ok.replace(r#""leader": "张三""#, r#""leader": "张三", "x": 1"#)),
        "plan.x: 未知字段，文件中不应有此项"
    );
    assert_eq!(
        parse_error(&ok.replace(r#""form": [60, 35, 5]"#, r#""form": [60, 35, 5], "q8": [1]"#)),
        "periods[0].survey.q8: 未知字段，文件中不应有此项"
    );
    assert_eq!(
        parse_error(&ok.replace(r#""filed_on": "2025-04-20""#, r#""filed_on": "20250420""#)),
        "periods[0].filed_on: 日期格式应为 YYYY-MM-DD"
    );
    assert_eq!(
        parse_error(&ok.replace(r#""delivery": "face_to_face""#, r#""delivery": "online""#)),
        "delivery: 未知取值“online”，应为 face_to_face、remote 之一"
    );
    assert_eq!(
        parse_error(&ok.replace(r#""form_change": "none""#, r#""form_change": "some""#)),
        "periods[0].form_change: 未知取值“some”，应为 none、partial、full 之一"
    );
    assert_eq!(
        parse_error(&ok.replace(r#""q1": [80, 15, 5]"#, r#""q1": [80, 15]"#)),
        "periods[0].survey.q1: 数组长度不对"
    );
    assert_eq!(
        parse_error(&ok.replace(r#""upload_cycle_months": null"#, r#""upload_cycle_months": 0"#)),
        "periods[0].upload_cycle_months: 上传周期应为不小于1的整数（月）"
    );
    assert_eq!(
        parse_error(&ok.replace("\"hours\": 30,\n", "\"hours\": 30.25,\n")),
        "periods[0].hours: 学时最多一位小数"
    );
    assert_eq!(parse_error(&ok.replace(r#""held": true,"#, "")), "periods[0].held: 缺少必填字段");
    assert_eq!(
        parse_error(&ok.replace(r#""河北省": 30"#, r#""河北省": -3"#)),
        "periods[0].learners_by_province.河北省: 取值错误，应为非负整数"
    );
}

// ---------------------------------------------------------------------------------------------
// Properties.

const PROVINCES: [&str; 8] = ["北京市", "天津市", "河北省", "山西省", "上海市", "江苏省", "浙江省", "广东省"];
const TEACHERS: [&str; 5] = ["张三", "李四", "王五", "赵六", "钱七"];

prop_compose! {
    fn arb_survey()(q in prop::array::uniform7(prop::array::uniform3(0u32..40)), form in any::<bool>())
        -> Survey {
        Survey { q1: q[0], q2: q[1], q3: q[2], q4: q[3], q5: q[4], q6: q[5],
                 q7: None, form: form.then_some(q[6]) }
    }
}

prop_compose! {
    fn arb_period()(
        held in prop::bool::weighted(0.9),
        start_offset in 0i64..200,
        length in 0i64..4,
        shifted in prop::bool::weighted(0.2),
        filed in prop::option::weighted(0.9, -5i64..40),
        reported in prop::option::weighted(0.9, -3i64..40),
        (place_changed, scenic, province) in (prop::bool::weighted(0.2), prop::bool::weighted(0.1), prop::option::weighted(0.95, 0usize..8)),
        form_change in prop::option::of(prop_oneof![Just(FormChange::None), Just(FormChange::Partial), Just(FormChange::Full)]),
        (days, hours) in (prop::option::weighted(0.95, 0i64..80), prop::option::weighted(0.95, 0i64..600)),
        teachers in prop::sample::subsequence(TEACHERS.to_vec(), 0..=5),
        learners in prop::collection::btree_map(prop::sample::select(PROVINCES.to_vec()), 0u32..60, 0..8),
        survey in prop::option::weighted(0.9, arb_survey()),
        (cycle, courseware) in (prop::option::weighted(0.9, 1u32..14), prop::option::weighted(0.9, any::<(bool, bool, bool)>())),
    ) -> Period {
        let planned_start = d("2025-02-01") + Duration::days(start_offset);
        let start = if shifted { planned_start + Duration::days(7) } else { planned_start };
        Period {
            held,
            planned: Some(PlannedPeriod { start: planned_start, end: planned_start + Duration::days(length), place: "会议中心".into() }),
            filed_on: filed.map(|f| start - Duration::days(f)),
            start: Some(start),
            end: Some(start + Duration::days(length)),
            place: Some(if place_changed { "某酒店" } else { "会议中心" }.into()),
            province: province.map(|i| PROVINCES[i].to_string()),
            scenic_area: scenic,
            form_change,
            days: days.map(Days::from_tenths),
            hours: hours.map(Hours::from_tenths),
            teachers: teachers.into_iter().map(String::from).collect(),
            reported_on: reported.map(|r| start + Duration::days(length + r)),
            learners_by_province: learners.into_iter().map(|(p, n)| (p.to_string(), n)).collect(),
            survey,
            upload_cycle_months: cycle,
            courseware: courseware.map(|(a, b, c)| Courseware { no_seek: a, single_courseware: b, learning_state_check: c }),
        }
    }
}

prop_compose! {
    fn arb_report()(
        remote in any::<bool>(),
        applicant in 0usize..8,
        plan_days in prop::option::weighted(0.95, 0i64..60),
        plan_hours in prop::option::weighted(0.95, 0i64..500),
        plan_teachers in prop::sample::subsequence(TEACHERS.to_vec(), 0..=4),
        periods in prop::collection::vec(arb_period(), 1..=6),
    ) -> ExecutionReport {
        ExecutionReport {
            project_number: "2025-00-00-000".into(),
            delivery: if remote { Delivery::Remote } else { Delivery::FaceToFace },
            applicant_province: PROVINCES[applicant].into(),
            plan: Plan {
                days: plan_days.map(Days::from_tenths),
                hours: plan_hours.map(Hours::from_tenths),
                teachers: plan_teachers.into_iter().map(String::from).collect(),
                leader: "张三".into(),
            },
            periods,
        }
    }
}

/// One change to one period that the rules must never punish.
#[derive(Clone, Debug)]
enum Improvement {
    FileEarlier(i64),
    ReportEarlier(i64),
    LeaderTeaches,
    PlannedTeacherTeaches(usize),
    MoreOutside(usize, u32),
    MoreFavourable(usize, u32),
    UnfavourableToFavourable(usize, u32),
    ShorterCycle(u32),
    CoursewareFlag(usize),
    FormLessChanged,
    NotScenic,
    PlaceAsPlanned,
    DatesAsPlanned,
    DurationCloserToPlan(i64),
    Held,
}

fn arb_improvement() -> impl Strategy<Value = Improvement> {
    prop_oneof![
        (1i64..30).prop_map(Improvement::FileEarlier),
        (1i64..30).prop_map(Improvement::ReportEarlier),
        Just(Improvement::LeaderTeaches),
        (0usize..5).prop_map(Improvement::PlannedTeacherTeaches),
        (0usize..8, 1u32..50).prop_map(|(p, n)| Improvement::MoreOutside(p, n)),
        (0usize..6, 1u32..50).prop_map(|(q, n)| Improvement::MoreFavourable(q, n)),
        (0usize..6, 1u32..50).prop_map(|(q, n)| Improvement::UnfavourableToFavourable(q, n)),
        (1u32..12).prop_map(Improvement::ShorterCycle),
        (0usize..3).prop_map(Improvement::CoursewareFlag),
        Just(Improvement::FormLessChanged),
        Just(Improvement::NotScenic),
        Just(Improvement::PlaceAsPlanned),
        Just(Improvement::DatesAsPlanned),
        (1i64..40).prop_map(Improvement::DurationCloserToPlan),
        Just(Improvement::Held),
    ]
}

fn scored_question(survey: &mut Survey, index: usize) -> &mut [u32; 3] {
    match index {
        0 => &mut survey.q1,
        1 => &mut survey.q3,
        2 => &mut survey.q4,
        3 => &mut survey.q5,
        4 => &mut survey.q6,
        _ => survey.form.get_or_insert([0, 0, 0]),
    }
}

fn improve(report: &mut ExecutionReport, index: usize, improvement: &Improvement) {
    let delivery = report.delivery;
    let plan = report.plan.clone();
    let applicant = report.applicant_province.clone();
    let period = &mut report.periods[index];
    match *improvement {
        Improvement::FileEarlier(k) => {
            let start = period.start.unwrap();
            period.filed_on = Some(period.filed_on.unwrap_or(start) - Duration::days(k));
        }
        Improvement::ReportEarlier(k) => {
            let end = period.end.unwrap();
            let was = period.reported_on.unwrap_or(end + Duration::days(60));
            period.reported_on = Some(was - Duration::days(k));
        }
        Improvement::LeaderTeaches => period.teachers.push(plan.leader.clone()),
        Improvement::PlannedTeacherTeaches(i) => {
            if let Some(t) = plan.teachers.get(i) {
                period.teachers.push(t.clone());
            }
        }
        Improvement::MoreOutside(p, n) => {
            let reference = match delivery {
                Delivery::FaceToFace => period.province.clone(),
                Delivery::Remote => Some(applicant),
            };
            if reference.as_deref() != Some(PROVINCES[p]) {
                *period.learners_by_province.entry(PROVINCES[p].into()).or_default() += n;
            }
        }
        Improvement::MoreFavourable(q, n) => {
            if let Some(survey) = period.survey.as_mut() {
                scored_question(survey, q)[q % 2] += n;
            }
        }
        Improvement::UnfavourableToFavourable(q, n) => {
            if let Some(survey) = period.survey.as_mut() {
                let question = scored_question(survey, q);
                let moved = n.min(question[2]);
                question[2] -= moved;
                question[0] += moved;
            }
        }
        Improvement::ShorterCycle(k) => {
            period.upload_cycle_months = Some(period.upload_cycle_months.unwrap_or(13).saturating_sub(k).max(1));
        }
        Improvement::CoursewareFlag(i) => {
            let c = period.courseware.get_or_insert(Courseware {
                no_seek: false,
                single_courseware: false,
                learning_state_check: false,
            });
            match i {
                0 => c.no_seek = true,
                1 => c.single_courseware = true,
                _ => c.learning_state_check = true,
            }
        }
        Improvement::FormLessChanged => {
            period.form_change = Some(match period.form_change {
                Some(FormChange::Full) => FormChange::Partial,
                _ => FormChange::None,
            });
        }
        Improvement::NotScenic => period.scenic_area = false,
        Improvement::PlaceAsPlanned => period.place = period.planned.as_ref().map(|p| p.place.clone()),
        Improvement::DatesAsPlanned => {
            let planned = period.planned.as_ref().unwrap();
            // Filing and reporting keep their distance to the dates they are measured from.
            let shift = planned.start - period.start.unwrap();
            period.filed_on = period.filed_on.map(|f| f + shift);
            period.reported_on = period.reported_on.map(|r| r + shift);
            period.start = Some(planned.start);
            period.end = Some(planned.end);
        }
        Improvement::DurationCloserToPlan(k) => {
            let (planned, actual) = match delivery {
                Delivery::FaceToFace => (plan.days.map(|d| d.tenths()), period.days.map(|d| d.tenths())),
                Delivery::Remote => (plan.hours.map(|h| h.tenths()), period.hours.map(|h| h.tenths())),
            };
            if let (Some(planned), Some(actual)) = (planned, actual) {
                let closer = if actual < planned { (actual + k).min(planned) } else { (actual - k).max(planned) };
                match delivery {
                    Delivery::FaceToFace => period.days = Some(Days::from_tenths(closer)),
                    Delivery::Remote => period.hours = Some(Hours::from_tenths(closer)),
                }
            }
        }
        Improvement::Held => period.held = true,
    }
}

proptest! {
    #[test]
    fn scores_stay_within_bounds(report in arb_report()) {
        let output = evaluate(&report);
        prop_assert_eq!(output.periods.len(), report.periods.len());
        for period in &output.periods {
            prop_assert!(period.total <= 100);
            prop_assert_eq!(period.total, period.items.values().sum::<u32>());
            let items: Vec<Item> = period.items.keys().copied().collect();
            prop_assert_eq!(items, Item::for_delivery(report.delivery).collect::<Vec<_>>());
            for (item, points) in &period.items {
                prop_assert!(*points <= item.max_points());
                let explanation = &period.explanations[item];
                prop_assert!(explanation.ends_with(&format!("：{points}分")), "{}", explanation);
            }
        }
        let score = output.score.tenths();
        prop_assert!((0..=1000).contains(&score));
        let min = output.periods.iter().map(|p| p.total).min().unwrap();
        let max = output.periods.iter().map(|p| p.total).max().unwrap();
        prop_assert!(i64::from(min) * 10 <= score && score <= i64::from(max) * 10);
        prop_assert!(!render_text(&output).is_empty());
    }

    #[test]
    fn improving_an_input_never_lowers_the_score(
        report in arb_report(),
        index in any::<prop::sample::Index>(),
        improvement in arb_improvement(),
    ) {
        let index = index.index(report.periods.len());
        let before = evaluate(&report);
        let mut better = report.clone();
        improve(&mut better, index, &improvement);
        let after = evaluate(&better);
        prop_assert!(
            after.periods[index].total >= before.periods[index].total,
            "{:?}: {} → {}\n{:#?}\n{:#?}",
            improvement, before.periods[index].total, after.periods[index].total,
            before.periods[index].explanations, after.periods[index].explanations
        );
        prop_assert!(after.score >= before.score);
    }

    #[test]
    fn reports_survive_a_json_round_trip(report in arb_report()) {
        let text = serde_json::to_string(&report).unwrap();
        let back: ExecutionReport = parse(&text).unwrap();
        prop_assert_eq!(back, report);
    }
}
