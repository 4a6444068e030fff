// VigilSystemd
