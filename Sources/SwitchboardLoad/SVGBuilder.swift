/// Writes SVG elements as text. Every text is XML-escaped, so any kind name or label gives a
/// well-formed document.
struct SVGBuilder {
    private var body: [String] = []
    let width: Double
    let height: Double

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1) {
        body.append(#"<line x1="\#(n(x1))" y1="\#(n(y1))" x2="\#(n(x2))" y2="\#(n(y2))" stroke="\#(stroke)" stroke-width="\#(n(width))"/>"#)
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, stroke: String) {
        body.append(#"<rect x="\#(n(x))" y="\#(n(y))" width="\#(n(width))" height="\#(n(height))" fill="none" stroke="\#(stroke)"/>"#)
    }

    mutating func circle(x: Double, y: Double, radius: Double, fill: String) {
        body.append(#"<circle cx="\#(n(x))" cy="\#(n(y))" r="\#(n(radius))" fill="\#(fill)"/>"#)
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double) {
        guard !points.isEmpty else { return }
        let list = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        body.append(#"<polyline points="\#(list)" fill="none" stroke="\#(stroke)" stroke-width="\#(n(width))" stroke-linejoin="round"/>"#)
    }

    mutating func text(_ content: String, x: Double, y: Double, size: Double, anchor: String = "start") {
        body.append(#"<text x="\#(n(x))" y="\#(n(y))" font-size="\#(n(size))" text-anchor="\#(anchor)">\#(SVGBuilder.escaped(content))</text>"#)
    }

    func finish() -> String {
        var out = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        out += #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(n(width))" height="\#(n(height))" viewBox="0 0 \#(n(width)) \#(n(height))" font-family="sans-serif">"# + "\n"
        out += #"<rect x="0" y="0" width="\#(n(width))" height="\#(n(height))" fill="white"/>"# + "\n"
        for element in body { out += element + "\n" }
        return out + "</svg>\n"
    }

    private func n(_ value: Double) -> String { Format.fixed(value.isFinite ? value : 0, 1) }

    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
