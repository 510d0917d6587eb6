"""The SimPy model of the DMZ: world state and one module per mechanism."""
