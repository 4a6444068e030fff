import ArgumentParser
import Foundation
import VigilMonitor

/// `vigil pause MODEL --reason`: stop the model's output being used, durably, at once.
struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause a model: its output must not be used (clinical owners and admins).")
    @Argument(help: "The model.") var model: String
    @Option(help: "Why (recorded in the audit trail).") var reason: String
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures { try runStateChange(control: control, command: "pause", model: model, reason: reason) }
    }
}

/// `vigil resume MODEL --reason`: let a paused model's output be used again.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused model (clinical owners and admins).")
    @Argument(help: "The model.") var model: String
    @Option(help: "Why (recorded in the audit trail).") var reason: String
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures { try runStateChange(control: control, command: "resume", model: model, reason: reason) }
    }
}

private func runStateChange(control: ControlOptions, command: String, model: String, reason: String) throws {
    let response = try control.send(["cmd": command, "model": model, "reason": reason])
    guard !control.json else { return }
    let state = response["state"] as? String ?? "?"
    print("\(model): \(Style.state(state))\(response["previous_state"] as? String == state ? " (already)" : "")")
}

/// `vigil approve MODEL VERSION`: promote a candidate awaiting approval.
struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a candidate version awaiting approval (clinical owners and admins).")
    @Argument(help: "The model.") var model: String
    @Argument(help: "The candidate version.") var version: String
    @Option(help: "Why (recorded in the audit trail).") var reason: String?
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures {
            var request: [String: Any] = ["cmd": "approve", "model": model, "version": version]
            if let reason { request["reason"] = reason }
            try printMessage(control.send(request), json: control.json)
        }
    }
}

/// `vigil reject MODEL VERSION --reason`: turn a candidate down.
struct RejectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject", abstract: "Reject a candidate version (clinical owners and admins).")
    @Argument(help: "The model.") var model: String
    @Argument(help: "The candidate version.") var version: String
    @Option(help: "Why (recorded in the audit trail).") var reason: String
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures {
            try printMessage(control.send(["cmd": "reject", "model": model, "version": version, "reason": reason]), json: control.json)
        }
    }
}

/// `vigil rollback MODEL [--to VERSION] --reason`: go back to an earlier version.
struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Roll a model back to its previous (or a given) version (admins).")
    @Argument(help: "The model.") var model: String
    @Option(help: "The version to go back to (default: the previous one).") var to: String?
    @Option(help: "Why (recorded in the audit trail).") var reason: String
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures {
            var request: [String: Any] = ["cmd": "rollback", "model": model, "reason": reason]
            if let to { request["to"] = to }
            try printMessage(control.send(request), json: control.json)
        }
    }
}

/// `vigil retrain MODEL`: retrain now instead of waiting for an alert.
struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain", abstract: "Retrain a model now (admins).",
        discussion: "Refused while the model is paused, while a retraining of it runs, or with fewer labeled examples than retrain.min_examples; retrain.min_interval applies to automatic retraining only.")
    @Argument(help: "The model.") var model: String
    @Option(help: "Why (recorded in the audit trail).") var reason: String?
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures {
            var request: [String: Any] = ["cmd": "retrain", "model": model]
            if let reason { request["reason"] = reason }
            try printMessage(control.send(request), json: control.json)
        }
    }
}

/// `vigil register MODEL FILE`: make a model file the model's production version.
struct RegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register", abstract: "Register a model file as a model's production version (admins).",
        discussion: "vigil reads FILE and sends its content; vigild checks its format and checksum, stores it as the next version under <state_dir>/models/MODEL/versions/, and points serving.json at it. A production version before it becomes 'previous' (`vigil rollback` goes back to it).")
    @Argument(help: "The model.") var model: String
    @Argument(help: "The model file (from `vigil train`).") var file: String
    @Option(help: "Why (recorded in the audit trail).") var reason: String?
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandFailure(exitCode: 66, lines: ["cannot read \(file)"])
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw CommandFailure(exitCode: 65, lines: ["\(file) is not a Vigil model file (not UTF-8 text)"])
            }
            var request: [String: Any] = ["cmd": "register", "model": model, "model_file": text]
            if let reason { request["reason"] = reason }
            try printMessage(control.send(request), json: control.json)
        }
    }
}

/// `vigil reload`: re-read the configuration (like SIGHUP, with the result reported back).
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Make vigild re-read its configuration (admins).")
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures { try printMessage(control.send(["cmd": "reload"]), json: control.json) }
    }
}

private func printMessage(_ response: [String: Any], json: Bool) throws {
    guard !json else { return }
    print(response["message"] as? String ?? "ok")
}
