import Evaluation
import Foundation
import XCTest

/// Against scikit-learn 1.9 values in `Tests/Fixtures/metrics_golden.json`, exact to 1e-12.
final class MetricsGoldenTests: XCTestCase {
    private func golden() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/metrics_golden.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    private func doubles(_ any: Any?) -> [Double] {
        (any as! [Any]).map { v in (v as? String) == "inf" ? .infinity : (v as! NSNumber).doubleValue }
    }

    func testROCAndTPRTableEqualScikitLearn() throws {
        let b = try golden()["binary"] as! [String: Any]
        let labels = (b["labels"] as! [Int]).map { $0 == 1 }
        let roc = try ROC(scores: doubles(b["scores"]), positive: labels)
        let fpr = doubles(b["roc_fpr"])
        let tpr = doubles(b["roc_tpr"])
        let th = doubles(b["roc_thresholds"])
        XCTAssertEqual(roc.fpr.count, fpr.count)
        for i in fpr.indices {
            XCTAssertEqual(roc.fpr[i], fpr[i], accuracy: 1e-12)
            XCTAssertEqual(roc.tpr[i], tpr[i], accuracy: 1e-12)
            XCTAssertEqual(roc.thresholds[i], th[i])
        }
        XCTAssertEqual(roc.auc, (b["auroc"] as! NSNumber).doubleValue, accuracy: 1e-12)
        for row in b["tpr_at_fpr"] as! [[String: Any]] {
            let p = roc.operatingPoint(atFPR: (row["fpr_target"] as! NSNumber).doubleValue)
            XCTAssertEqual(p.tpr, (row["tpr"] as! NSNumber).doubleValue, accuracy: 1e-12)
            XCTAssertEqual(p.fpr, (row["fpr"] as! NSNumber).doubleValue, accuracy: 1e-12)
            XCTAssertEqual(p.threshold, (row["threshold"] as! NSNumber).doubleValue, accuracy: 1e-12)
        }
    }

    func testClassificationReportEqualsScikitLearn() throws {
        let m = try golden()["multiclass"] as! [String: Any]
        let r = ClassificationMetrics(truth: m["true"] as! [Int], predicted: m["pred"] as! [Int], classes: 3)
        XCTAssertEqual(r.confusion, m["confusion"] as! [[Int]])
        XCTAssertEqual(r.accuracy, (m["accuracy"] as! NSNumber).doubleValue, accuracy: 1e-12)
        XCTAssertEqual(r.support, m["support"] as! [Int])
        for (ours, theirs) in [
            (r.precision, doubles(m["precision"])), (r.recall, doubles(m["recall"])), (r.f1, doubles(m["f1"])),
        ] {
            for (a, b) in zip(ours, theirs) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        }
        XCTAssertEqual(r.macroF1, (m["macro_f1"] as! NSNumber).doubleValue, accuracy: 1e-12)
        XCTAssertEqual(r.weightedF1, (m["weighted_f1"] as! NSNumber).doubleValue, accuracy: 1e-12)
    }

    func testBadInputIsRefusedWithAReason() {
        XCTAssertThrowsError(try ROC(scores: [], positive: []))
        XCTAssertThrowsError(try ROC(scores: [0.1, 0.2], positive: [true, true])) { error in
            XCTAssertTrue("\(error)".contains("both positives and negatives"))
        }
        XCTAssertThrowsError(try ROC(scores: [0.1, .nan], positive: [true, false])) { error in
            XCTAssertTrue("\(error)".contains("NaN"))
        }
    }
}
