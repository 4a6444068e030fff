import VigilStats

/// How candidates are validated: k-fold cross-validation, or one holdout.
public enum ValidationPlan: Sendable {
    /// Each row's fold.
    case crossValidation(folds: [Int], count: Int, description: String)
    /// Fit on `training`, validate on `holdout` (row indices, ascending).
    case holdout(training: [Int], holdout: [Int], description: String)

    public var description: String {
        switch self {
        case .crossValidation(_, _, let description), .holdout(_, _, let description): description
        }
    }

    /// Each fit's training and validation rows.
    public var splits: [(training: [Int], validation: [Int])] {
        switch self {
        case .crossValidation(let folds, let count, _):
            (0..<count).map { fold in (folds.indices.filter { folds[$0] != fold }, folds.indices.filter { folds[$0] == fold }) }
        case .holdout(let training, let holdout, _):
            [(training, holdout)]
        }
    }

    /// The rows that get out-of-sample predictions.
    public var validatedRows: [Int] {
        switch self {
        case .crossValidation(let folds, _, _): Array(folds.indices)
        case .holdout(_, let holdout, _): holdout
        }
    }

    /// Rows above which one holdout replaces cross-validation (FLAML's threshold between the
    /// two is the same 100,000 rows).
    public static let crossValidationRowLimit = 100_000
    /// Cells (rows × features) per second of budget above which one holdout replaces
    /// cross-validation, so that a short budget still sees several candidates.
    public static let cellsPerBudgetSecond = 200_000.0

    /// The plan for a table: with times, the most recent 20% held out (the final check on the
    /// newest patients, which is also what the search selects on); with groups, group k-fold
    /// (or a group holdout for large tables); otherwise stratified k-fold (or a stratified
    /// holdout of 20% for large tables).
    public static func choose(for table: TrainingTable, roles: ColumnRoles, folds: Int, budgetSeconds: Double?,
                              random: inout SeededGenerator) -> ValidationPlan {
        if let times = table.times {
            let (past, recent) = Folds.temporalHoldout(times: times, share: 0.2)
            return .holdout(training: past, holdout: recent, description: "temporal holdout: trained on the past, validated on the most recent \(recent.count) rows by \(roles.time ?? "time")")
        }
        let cells = Double(table.rowCount * table.features.count)
        let large = table.rowCount > crossValidationRowLimit || budgetSeconds.map { cells > $0 * cellsPerBudgetSecond } ?? false
        if let groups = table.groups {
            let assignment = Folds.grouped(groups: groups, folds: large ? 5 : folds, random: &random)
            if large {
                return .holdout(training: assignment.indices.filter { assignment[$0] != 0 }, holdout: assignment.indices.filter { assignment[$0] == 0 },
                                description: "group holdout: one fifth of the \(roles.group ?? "group") values held out")
            }
            return .crossValidation(folds: assignment, count: folds, description: "\(folds)-fold group cross-validation by \(roles.group ?? "group")")
        }
        if large {
            let (training, holdout) = Folds.stratifiedHoldout(labels: table.labels, share: 0.2, random: &random)
            return .holdout(training: training, holdout: holdout, description: "stratified holdout of 20% (\(holdout.count) rows)")
        }
        return .crossValidation(folds: Folds.stratified(labels: table.labels, folds: folds, random: &random), count: folds,
                                description: "\(folds)-fold stratified cross-validation")
    }
}
