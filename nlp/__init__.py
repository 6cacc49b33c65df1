"""What a post means: segmentation, school matching, sentiment, rumour risk, incident type, events.

Pure functions and small classes over ``core`` types; nothing here touches a store or the console.
"""
