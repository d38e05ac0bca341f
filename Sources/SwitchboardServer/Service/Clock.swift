import Foundation
public import SwitchboardCore

extension Timestamp {
    /// The wall clock now. Only the server layer reads clocks; Core takes time as input.
    public static var now: Timestamp {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }
}
