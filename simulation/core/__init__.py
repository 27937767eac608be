"""The ground floor: typed events, the event log, the calendar clock, the asyncio-SimPy
bridge and the run folder."""
