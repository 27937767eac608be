"""The engine: the Simulation, its cast of agents, run settings, replay and fork."""
