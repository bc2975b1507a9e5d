import ArgumentParser

/// The commands a batch job may run: the four methods, each parsed by its own command type.
enum JobCommand: String, CaseIterable {
    case draw, sketch, style, paint

    var type: ParsableCommand.Type {
        switch self {
        case .draw: return Draw.self
        case .sketch: return Sketch.self
        case .style: return Style.self
        case .paint: return Paint.self
        }
    }

    /// The outputs a job gets when its `args` name none: the vector drawing and a PNG of it, or
    /// the picture.
    var defaultOutputExtensions: [String] {
        switch self {
        case .draw, .sketch: return ["svg", "png"]
        case .style, .paint: return ["png"]
        }
    }

    /// Read once per command: every line of a jobs file is checked against it.
    var schema: ArgumentSchema { Self.schemas[self]! }

    private static let schemas = Dictionary(uniqueKeysWithValues: allCases.map { ($0, ArgumentSchema(of: $0.type)) })
}

extension JobCommand {
    /// Builds the run's recipe (the preset with the flags applied) as the command's `run` would,
    /// so that a field out of range or a broken preset file fails before the batch starts.
    func checkRecipe(_ parsed: ParsableCommand) throws {
        switch parsed {
        case let draw as Draw: _ = try draw.drawConfiguration()
        case let sketch as Sketch: _ = try sketch.sketchConfiguration()
        case let style as Style: _ = try style.styleConfiguration()
        case let paint as Paint: _ = try paint.paintConfiguration()
        default: preconditionFailure("\(parsed) is not a method command")
        }
    }
}
