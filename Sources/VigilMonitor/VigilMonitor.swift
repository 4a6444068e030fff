// VigilMonitor
