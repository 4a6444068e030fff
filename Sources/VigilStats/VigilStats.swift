/// VigilStats: drift tests and performance metrics for clinical prediction models.
///
/// Pure Swift with no dependencies, so that every number Vigil reports can be
/// traced to one definition here and checked against scipy and scikit-learn.
public enum VigilStats {}
