import Yams

/// Reads typed values out of a composed YAML tree, collecting every problem with its
/// YAML path and line instead of stopping at the first, so that `vigil check-config`
/// can list them all.
final class YAMLReader {
    private(set) var problems: [ConfigProblem] = []

    /// Records a problem at `path`, located at `node`'s line.
    func report(_ path: String, _ message: String, at node: Node?) {
        problems.append(ConfigProblem(path: path, message: message, line: node?.mark?.line))
    }

    /// Whether `node` is YAML null: `~`, `null`, or nothing at all.
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a node is named in "found ..." messages: the scalar quoted, or its kind.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return "nothing" }
            return "\"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The entries of a mapping whose keys must all be in `allowed`, in file order.
    ///
    /// Reports a node that is not a mapping, duplicate keys and unknown keys (with the
    /// closest allowed key as a suggestion). Returns nil only when `node` is not a mapping.
    func mapping(_ node: Node, at path: String, allowed: [String]) -> [(key: String, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            report(path, "expected a mapping, found \(Self.describe(node))", at: node)
            return nil
        }
        var seen: Set<String> = []
        var entries: [(key: String, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                report(path, "keys must be plain words, found \(Self.describe(keyNode))", at: keyNode)
                continue
            }
            let key = scalar.string
            let keyPath = Self.join(path, key)
            guard seen.insert(key).inserted else {
                report(keyPath, "duplicate key", at: keyNode)
                continue
            }
            guard allowed.contains(key) else {
                report(keyPath, unknownKeyMessage(key, allowed: allowed), at: keyNode)
                continue
            }
            entries.append((key, value))
        }
        return entries
    }

    private func unknownKeyMessage(_ key: String, allowed: [String]) -> String {
        guard !allowed.isEmpty else { return "unknown key (this section takes no keys in this version of vigil)" }
        let suggestion = allowed
            .map { ($0, Self.editDistance($0, key)) }
            .filter { $0.1 <= 2 }
            .min { $0.1 < $1.1 }
        if let suggestion { return "unknown key (did you mean \"\(suggestion.0)\"?)" }
        return "unknown key (expected one of: \(allowed.joined(separator: ", ")))"
    }

    /// A non-empty string.
    func string(_ node: Node, at path: String) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            report(path, "expected a string, found \(Self.describe(node))", at: node)
            return nil
        }
        guard !scalar.string.isEmpty else {
            report(path, "expected a non-empty string", at: node)
            return nil
        }
        return scalar.string
    }

    /// A whole number within `range` (quoted numbers are strings, not numbers).
    func integer(_ node: Node, at path: String, in range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any,
              let value = Int(scalar.string.replacingOccurrences(of: "_", with: "")) else {
            report(path, "expected a whole number, found \(Self.describe(node))", at: node)
            return nil
        }
        guard range.contains(value) else {
            report(path, "expected a whole number from \(range.lowerBound) to \(range.upperBound), found \(value)", at: node)
            return nil
        }
        return value
    }

    /// A real number within `range`.
    func number(_ node: Node, at path: String, in range: ClosedRange<Double>) -> Double? {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any,
              let value = Double(scalar.string), value.isFinite else {
            report(path, "expected a number, found \(Self.describe(node))", at: node)
            return nil
        }
        guard range.contains(value) else {
            report(path, "expected a number from \(range.lowerBound) to \(range.upperBound), found \(scalar.string)", at: node)
            return nil
        }
        return value
    }

    /// true or false.
    func boolean(_ node: Node, at path: String) -> Bool? {
        if case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any {
            switch scalar.string {
            case "true", "True", "TRUE", "yes", "on": return true
            case "false", "False", "FALSE", "no", "off": return false
            default: break
            }
        }
        report(path, "expected true or false, found \(Self.describe(node))", at: node)
        return nil
    }

    /// A positive duration such as `90s`, `10m`, `72h` or `7d`.
    func duration(_ node: Node, at path: String) -> TimeSpan? {
        guard case .scalar(let scalar) = node, let span = TimeSpan(parsing: scalar.string) else {
            report(path, "expected a duration like 90s, 10m, 72h or 7d, found \(Self.describe(node))", at: node)
            return nil
        }
        guard span.seconds > 0 else {
            report(path, "expected a duration longer than zero, found \(Self.describe(node))", at: node)
            return nil
        }
        return span
    }

    /// A list of distinct non-empty strings.
    func stringList(_ node: Node, at path: String) -> [String]? {
        guard case .sequence(let sequence) = node else {
            report(path, "expected a list, found \(Self.describe(node))", at: node)
            return nil
        }
        var values: [String] = []
        for (index, item) in sequence.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let value = string(item, at: itemPath) else { continue }
            if values.contains(value) {
                report(itemPath, "\"\(value)\" is listed twice", at: item)
                continue
            }
            values.append(value)
        }
        return values
    }

    /// The items of a list.
    func list(_ node: Node, at path: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            report(path, "expected a list, found \(Self.describe(node))", at: node)
            return nil
        }
        return Array(sequence)
    }

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// Levenshtein distance, for "did you mean" suggestions.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
