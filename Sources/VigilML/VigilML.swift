import VigilStats

/// VigilML: the AutoML engine that retrains a clinical model from labeled examples.
///
/// Pure Swift over VigilStats, so that retraining needs no Python at run time.
public enum VigilML {}
