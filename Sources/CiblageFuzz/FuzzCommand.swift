import CiblageSupport
import Foundation

/// `ciblage-fuzz TARGET FILE|FOLDER…`: one binary for every fuzzing harness (docs/HARDENING.md).
///
/// Built normally (`swift build`), it replays inputs: each file named (folders: each file in them)
/// goes through TARGET's harness, which is how the test suite keeps the seed corpus and every input
/// that ever crashed passing without a fuzzing build. Built by `scripts/fuzz.sh` with
/// `-sanitize=fuzzer,address -D FUZZING`, the binary's `main` is libFuzzer's, the target comes from
/// `CIBLAGE_FUZZ_TARGET`, and the arguments are libFuzzer's (see `LLVMFuzzerInitialize` below).
@main
enum FuzzCommand {
    static func main() {
        #if FUZZING
        exit(runLibFuzzer())
        #endif
        let arguments = CommandLine.arguments
        guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
            FileHandle.standardError.write(Data("usage: ciblage-fuzz TARGET [FILE|FOLDER…]\nTARGET is one of: \(FuzzTarget.names)\n".utf8))
            exit(2)
        }
        exit(replay(target, paths: Array(arguments.dropFirst(2))))
    }

    /// Runs every file named (folders: every file in them, sorted) through `target`; a harness that
    /// finds a broken property stops the process, so reaching the end means they all passed.
    static func replay(_ target: FuzzTarget, paths: [String]) -> Int32 {
        var files: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("ciblage-fuzz: \(path): no such file or folder\n".utf8))
                return 1
            }
            if isFolder.boolValue {
                let names = (try? manager.contentsOfDirectory(atPath: path)) ?? []
                files += names.sorted().filter { !$0.hasPrefix(".") }.map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        for file in files {
            let bytes: [UInt8]
            do { bytes = try WholeFile.bytes(file) } catch {
                FileHandle.standardError.write(Data("ciblage-fuzz: \(file): cannot be read: \(error.reason)\n".utf8))
                return 1
            }
            bytes.withUnsafeBufferPointer { target.run($0) }
        }
        print("\(target.rawValue): \(files.count) inputs replayed, every property held")
        return 0
    }
}

#if FUZZING
/// libFuzzer calls this once before fuzzing: the target is chosen by the environment, since the
/// command line belongs to libFuzzer (corpus folders, `-max_total_time=…`, `-dict=…`).
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    let name = ProcessInfo.processInfo.environment["CIBLAGE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("ciblage-fuzz: set CIBLAGE_FUZZ_TARGET to one of: \(FuzzTarget.names) (got '\(name)')\n".utf8))
        exit(2)
    }
    FuzzTarget.selected = target
    return 0
}

/// libFuzzer's driver, from `libclang_rt.fuzzer`: SwiftPM makes this module's `main` the program's,
/// so it hands the command line to the driver, as libFuzzer's own `main` would.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

private func runLibFuzzer() -> Int32 {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzerTestOneInput)
}

/// libFuzzer's entry: one input, through the selected harness.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.selected.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}
#endif
