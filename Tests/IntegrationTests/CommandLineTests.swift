import Foundation
import Testing

/// `vigil` and `vigild` as a user runs them.
struct CommandLineTests {
    @Test("vigild --help and vigil --help describe the commands and exit 0")
    func help() async throws {
        let daemon = try await runToCompletion(Binaries.vigild, ["--help"])
        #expect(daemon.status == 0)
        #expect(daemon.stdout.contains("USAGE: vigild [--config <file>]"))
        let tool = try await runToCompletion(Binaries.vigil, ["--help"])
        #expect(tool.status == 0)
        #expect(tool.stdout.contains("check-config"))
    }

    @Test("vigil check-config prints ok for the shipped example")
    func checkExample() async throws {
        let result = try await runToCompletion(Binaries.vigil, ["check-config", Binaries.exampleConfig])
        #expect(result.status == 0)
        #expect(result.stdout == "ok\n")
    }

    @Test("vigil check-config lists every problem with path and line and exits 78")
    func checkBroken() async throws {
        let scratch = try Scratch()
        let path = try scratch.write("broken.yaml", """
            state_dir: /tmp/x
            colour: blue
            models:
              - name: sepsis-risk
                predictions: /p.jsonl
                outcomes: /o.jsonl
                label_horizon: soon
            """)
        let result = try await runToCompletion(Binaries.vigil, ["check-config", path])
        #expect(result.status == 78)
        #expect(result.stdout.split(separator: "\n") == [
            "colour: unknown key (expected one of: state_dir, control_socket, metrics_file, alertmanager, alert_command, control_group, admin_group, clinical_group, models) (line 2)",
            "models[0].label_horizon: expected a duration like 90s, 10m, 72h or 7d, found \"soon\" (line 7)",
        ])
        #expect(result.stderr == "vigil: \(path): 2 problems found\n")
    }

    @Test("vigil check-config on a missing file says so and exits 66")
    func checkMissing() async throws {
        let result = try await runToCompletion(Binaries.vigil, ["check-config", "/no/such/vigil.yaml"])
        #expect(result.status == 66)
        #expect(result.stderr == "vigil: cannot read configuration /no/such/vigil.yaml: no such file\n")
    }
}
