import Foundation
import VigilMonitor

/// libFuzzer entry point: one configuration file's bytes, turned into text as
/// `ConfigLoader.load(path:)` does (ill-formed UTF-8 is refused before YAML sees it) and checked
/// by `ConfigLoader.parse(yaml:path:)`, which must throw `ConfigError`, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let text = String(data: Data(bytes: data, count: size), encoding: .utf8) else { return 0 }
    let loader = ConfigLoader(environment: ["STATE_DIRECTORY": "/var/lib/vigil", "RUNTIME_DIRECTORY": "/run/vigil"])
    do {
        _ = try loader.parse(yaml: text, path: "/etc/vigil/vigil.yaml")
    } catch {
        _ = error.description
    }
    return 0
}
