import CYaml

/// How many nodes a YAML document stands for once its aliases are expanded, counted on
/// libyaml's events before Yams builds the tree. A few nested aliases (a "billion laughs"
/// document) stand for billions of nodes: Yams hashes each mapping key whole, so such an alias
/// used as a key takes seconds to minutes, and the configuration reader would walk every
/// expanded node.
///
/// `CYaml` is the libyaml that Yams builds and links; Yams itself publishes no event API.
enum YAMLExpansion {
    /// The most nodes a configuration may expand to: far above any real one (10 models of 50
    /// features are about 3,000), far below what takes noticeable time to read.
    static let limit = 100_000

    /// The line (from 1) at which `yaml` passes `limit` nodes, counting each alias as the
    /// nodes it stands for; nil when it stays within, or when libyaml stops at a syntax error
    /// first (which composing then reports).
    static func lineBeyondLimit(in yaml: String, limit: Int = limit) -> Int? {
        let bytes = Array(yaml.utf8)
        guard !bytes.isEmpty else { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            // Nodes per anchor; the collections still open, with the nodes counted in each so far.
            var sizes: [String: Int] = [:]
            var open: [(anchor: String?, nodes: Int)] = []
            var documentNodes = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                var finished: (anchor: String?, nodes: Int)?
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    finished = (name(event.data.scalar.anchor), 1)
                case YAML_ALIAS_EVENT:
                    finished = (nil, name(event.data.alias.anchor).flatMap { sizes[$0] } ?? 1)
                case YAML_SEQUENCE_START_EVENT:
                    open.append((name(event.data.sequence_start.anchor), 1))
                case YAML_MAPPING_START_EVENT:
                    open.append((name(event.data.mapping_start.anchor), 1))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    finished = open.popLast()
                case YAML_DOCUMENT_START_EVENT:
                    documentNodes = 0
                default:
                    break
                }
                guard let (anchor, nodes) = finished else { continue }
                if let anchor { sizes[anchor] = nodes }
                // Every count stays at most twice the limit: an anchored node past it has returned.
                let counted: Int
                if open.isEmpty {
                    documentNodes += nodes
                    counted = documentNodes
                } else {
                    open[open.count - 1].nodes += nodes
                    counted = open[open.count - 1].nodes
                }
                if counted > limit { return Int(event.start_mark.line) + 1 }
            }
        }
    }

    private static func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        anchor.map { String(cString: $0) }
    }
}
