import Testing
@testable import VigilMonitor

struct ControlRequestTests {
    func parse(_ text: String) throws(ControlError) -> ControlRequest {
        try ControlRequest(line: Array(text.utf8))
    }

    @Test("a complete pause request parses with its arguments")
    func pause() throws {
        let request = try parse(#"{"v":1,"cmd":"pause","model":"sepsis-risk","reason":"new assay"}"#)
        #expect(request == ControlRequest(command: .pause, model: "sepsis-risk", reason: "new assay"))
        #expect(request.argumentsJSON == #"{"model":"sepsis-risk","reason":"new assay"}"#)
    }

    @Test("requests that are wrong are refused with the right code", arguments: [
        ("", ControlError.Code.invalidJSON),
        ("{", .invalidJSON),
        ("\"status\"", .invalidJSON),
        (#"{"cmd":"status","v":"1"}"#, .badRequest),
        (#"{"cmd":"status","v":3}"#, .badRequest),
        (#"{"cmd":7}"#, .missingArgument),
        (#"{"cmd":"shutdown"}"#, .unknownCommand),
        (#"{"cmd":"pause","reason":"x"}"#, .missingArgument),
        (#"{"cmd":"pause","model":"m"}"#, .missingArgument),
        (#"{"cmd":"resume","model":"m","reason":""}"#, .missingArgument),
        (#"{"cmd":"reject","model":"m","reason":"x"}"#, .missingArgument),
        (#"{"cmd":"rollback","model":"m"}"#, .missingArgument),
        (#"{"cmd":"audit","limit":0}"#, .badRequest),
        (#"{"cmd":"status","model":["m"]}"#, .badRequest),
    ])
    func refused(text: String, code: ControlError.Code) {
        #expect(throws: ControlError.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.code == code, "\(text): \(error)")
        }
    }

    @Test("each command needs the role the issue gives it")
    func roles() {
        let viewer: [ControlCommand] = [.status, .alerts, .history, .quarantine, .audit]
        let clinical: [ControlCommand] = [.pause, .resume, .approve, .reject]
        let admin: [ControlCommand] = [.rollback, .retrain, .reload, .register]
        #expect(viewer.allSatisfy { $0.requiredRole == .viewer && !$0.isAction })
        #expect(clinical.allSatisfy { $0.requiredRole == .clinical && $0.isAction })
        #expect(admin.allSatisfy { $0.requiredRole == .admin && $0.isAction })
        #expect(Set(viewer + clinical + admin) == Set(ControlCommand.allCases))
        #expect(ControlRole.viewer < .clinical && ControlRole.clinical < .admin)
    }
}
