import ArgumentParser
import Foundation

/// `--color auto|always|never`: whether a command writes colour (escape codes).
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// What the terminal a command writes to can take.
enum Terminal {
    /// Whether to write colour: always or never when told; on `auto`, only to a terminal,
    /// and not when NO_COLOR is set (no-color.org) or TERM is `dumb`.
    static func colors(
        _ choice: ColorChoice, toTerminal: Bool, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto: return toTerminal && !(environment["NO_COLOR"].map { !$0.isEmpty } ?? false) && !isDumb(environment)
        }
    }

    /// TERM=dumb: no escape codes at all (no colour, no redrawn lines).
    static func isDumb(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        environment["TERM"] == "dumb"
    }
}
