/// The largest |a[i] − b[i]|; the two must have the same count. (Tensors: pass
/// `UnsafeBufferPointer(start: t.data, count: t.count)`.)
public func maxAbsDifference<A: Collection, B: Collection>(_ a: A, _ b: B) -> Float
where A.Element == Float, B.Element == Float {
    precondition(a.count == b.count, "counts \(a.count) vs \(b.count)")
    var m: Float = 0
    for (x, y) in zip(a, b) { m = max(m, abs(x - y)) }
    return m
}

/// The Euclidean norm ‖v‖, accumulated in Double.
public func euclideanNorm<V: Sequence>(_ v: V) -> Double where V.Element == Float {
    v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
}
