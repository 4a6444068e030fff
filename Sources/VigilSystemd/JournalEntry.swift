/// A journal field name that journald accepts: upper-case ASCII letters, digits and
/// underscores, not starting with a digit or an underscore (those are journald's own
/// trusted fields), at most 64 characters.
public struct JournalFieldName: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// - Throws: `JournalError.invalidFieldName` when `name` breaks journald's rules.
    public init(_ name: String) throws(JournalError) {
        guard Self.isValid(name) else { throw .invalidFieldName(name) }
        rawValue = name
    }

    /// Whether journald would accept `name` as a field name.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        guard first != UInt8(ascii: "_"), !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
    }

    public var description: String { rawValue }
}

/// What can go wrong when building a journal entry.
public enum JournalError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidFieldName(String)
    case invalidMessageID(String)

    public var description: String {
        switch self {
        case .invalidFieldName(let name):
            "invalid journal field name \"\(name)\": use A-Z, 0-9 and _, not starting with _ or a digit, at most 64 characters"
        case .invalidMessageID(let id):
            "invalid MESSAGE_ID \"\(id)\": expected 32 lower-case hexadecimal digits"
        }
    }
}

/// One structured journal entry: a message, its priority, an optional catalog id,
/// where in the code it was sent from, and Vigil's own fields.
public struct JournalEntry: Sendable {
    public var priority: JournalPriority
    public var message: String
    /// The 128-bit id of this kind of event (`MESSAGE_ID`), linking it to the journal catalog.
    public var messageID: String?
    /// Extra fields in the order given, e.g. `VIGIL_MODEL=sepsis-risk`.
    public var fields: [(name: JournalFieldName, value: String)]
    public var file: String
    public var line: UInt
    public var function: String

    /// Builds an entry, checking every field name and the message id.
    ///
    /// - Throws: `JournalError` naming the first invalid field name or message id.
    public init(
        _ priority: JournalPriority,
        _ message: String,
        messageID: String? = nil,
        fields: KeyValuePairs<String, String> = [:],
        file: String = #fileID, line: UInt = #line, function: String = #function
    ) throws(JournalError) {
        if let messageID, !Self.isValidMessageID(messageID) { throw .invalidMessageID(messageID) }
        var checked: [(name: JournalFieldName, value: String)] = []
        for (name, value) in fields {
            checked.append((try JournalFieldName(name), value))
        }
        self.priority = priority
        self.message = message
        self.messageID = messageID
        self.fields = checked
        self.file = file
        self.line = line
        self.function = function
    }

    static func isValidMessageID(_ id: String) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// Every `NAME=value` pair journald receives for this entry.
    public func journalFields(identifier: String) -> [(String, String)] {
        var all: [(String, String)] = [
            ("MESSAGE", message),
            ("PRIORITY", String(priority.rawValue)),
            ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", file),
            ("CODE_LINE", String(line)),
            ("CODE_FUNC", function),
        ]
        if let messageID { all.append(("MESSAGE_ID", messageID)) }
        all.append(contentsOf: fields.map { ($0.name.rawValue, $0.value) })
        return all
    }
}
